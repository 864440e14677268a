package org.symile.app.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.app.train.Optimizer;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.Permutations;

class ExperimentRunnerTest {

    /** A model that is never trained here. */
    static final class NoModel implements TrainableModel {
        @Override
        public void useOptimizer(OptimizerSpec optimizer) {
        }

        @Override
        public double trainStep(Batch batch, Permutations negatives) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Gradients gradients(Batch batch, Permutations negatives) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void applyGradients(Map<String, INDArray> gradients) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double evalLoss(Batch batch, Permutations negatives) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double logitScale() {
            return 1;
        }

        @Override
        public Map<String, INDArray> state() {
            return Map.of();
        }

        @Override
        public Optional<Optimizer> optimizer() {
            return Optional.empty();
        }
    }

    /**
     * Encodings whose accuracy is the draw number plus the first resampled index over 100 (1.0 without resample),
     * and an experiment that records which draws it encoded.
     */
    static final class Recording implements Experiment<NoModel> {
        final Bootstrap bootstrap;
        final List<Integer> encoded = new ArrayList<>();

        Recording(Bootstrap bootstrap) {
            this.bootstrap = bootstrap;
        }

        @Override
        public ExperimentKind kind() {
            return ExperimentKind.SYMILE_M3;
        }

        @Override
        public Object architecture() {
            return Map.of();
        }

        @Override
        public NoModel buildModel(RandomGenerator init, boolean pretrained) {
            return new NoModel();
        }

        @Override
        public BatchSource batches(Split split) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Encodings encode(NoModel model, Split split, int draw) {
            assertEquals(Split.TEST, split);
            encoded.add(draw);
            return (ties, resample) -> resample == null ? 1.0 + draw : resample.nextInt(100) / 100.0 + draw;
        }

        @Override
        public Bootstrap bootstrap() {
            return bootstrap;
        }

        @Override
        public String divergenceHint() {
            return "";
        }
    }

    @Test
    void bootstrapResamplesOneCachedEncoding() {
        Recording e = new Recording(Experiment.Bootstrap.RESAMPLE);
        double[] acc = ExperimentRunner.evaluate(e, new NoModel(), true, 5, new RngStream(3), "");
        assertEquals(List.of(0), e.encoded, "the test split is encoded once");
        RngStream expected = new RngStream(3);
        for (double a : acc) {
            assertEquals(expected.nextInt(100) / 100.0, a, 0.0);
        }
        assertArrayEquals(acc, ExperimentRunner.evaluate(new Recording(Experiment.Bootstrap.RESAMPLE), new NoModel(),
                true, 5, new RngStream(3), ""), 0.0);
        assertNotEquals(acc[0], ExperimentRunner.evaluate(new Recording(Experiment.Bootstrap.RESAMPLE),
                new NoModel(), true, 5, new RngStream(4), "")[0]);
    }

    @Test
    void withoutBootstrapEveryQueryIsScoredOnce() {
        Recording e = new Recording(Experiment.Bootstrap.RESAMPLE);
        assertArrayEquals(new double[] {1.0}, ExperimentRunner.evaluate(e, new NoModel(), false, 5, new RngStream(3),
                ""), 0.0);
        assertEquals(List.of(0), e.encoded);
    }

    @Test
    void freshDrawsEncodeANewTestSetEachTime() {
        Recording e = new Recording(Experiment.Bootstrap.FRESH_DRAWS);
        double[] acc = ExperimentRunner.evaluate(e, new NoModel(), true, 3, null, "");
        assertEquals(List.of(0, 1, 2), e.encoded);
        assertArrayEquals(new double[] {1.0, 2.0, 3.0}, acc, 0.0);
    }
}
