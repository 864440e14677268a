package org.symile.app.experiments.mimic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.SymileLabels;

/**
 * The evaluation loss, computed from the workspace-backed inference pass and the output layer, equals DL4J's own
 * {@code score(data, false)} (which keeps every activation), after a training step moved the running statistics.
 */
class MimicEvalLossTest {

    @ParameterizedTest
    @CsvSource({"SYMILE, N_SQUARED", "SYMILE, N", "CLIP, N"})
    void equalsDl4jsEvaluationScore(LossFn fn, NegativeSampling ns) {
        MimicArchitecture a = new MimicArchitecture(new long[] {3, 32, 32}, new long[] {1, 64, 12}, 16, 8);
        LossSpec loss = new LossSpec(fn, ns, false, -1.0, false);
        MimicModel model = new MimicModel(MimicNetwork.build(a, loss, new SplittableRandom(0), DataType.DOUBLE), a,
                loss);
        model.useOptimizer(OptimizerSpec.of(1e-3, 0.1));
        Nd4j.getRandom().setSeed(3);
        Batch batch = new Batch(Map.of("cxr", Nd4j.randn(DataType.DOUBLE, 5, 3, 32, 32), "ecg",
                Nd4j.randn(DataType.DOUBLE, 5, 1, 64, 12), "labs", Nd4j.rand(DataType.DOUBLE, 5, 100)), 5);
        model.trainStep(batch, Permutations.random(new SplittableRandom(1)));

        double ours = model.evalLoss(batch, Permutations.random(new SplittableRandom(2)));
        // CLIP's output layer takes the one-column label of the O(N²) form (its loss ignores the label values)
        NegativeSampling labelForm = fn == LossFn.CLIP ? NegativeSampling.N_SQUARED : ns;
        INDArray labels = SymileLabels.labels(3, labelForm, Permutations.random(new SplittableRandom(2)), 5)
                .castTo(DataType.DOUBLE);
        double dl4j = model.graph().score(new MultiDataSet(new INDArray[] {batch.get("cxr"), batch.get("ecg"),
                batch.get("labs")}, new INDArray[] {labels}), false);
        assertEquals(dl4j, ours, 1e-12 * Math.abs(dl4j));
    }
}
