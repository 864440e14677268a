package org.symile.app.experiments.xor;

import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.run.CheckpointPolicy;
import org.symile.app.run.Encodings;
import org.symile.app.run.Experiment;
import org.symile.app.run.RunStreams;
import org.symile.app.run.Split;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.XorSpec;
import org.symile.app.train.BatchSource;
import org.symile.app.train.IteratorBatches;
import org.symile.data.synthetic.BinaryXor;

/**
 * binary_xor at one p̂ (paper §5.1, spec §3): data drawn from the generating process with the run's streams
 * (train and val once, test afresh for every draw), the {@link BinaryXorModel}, the lowest-validation-loss
 * checkpoint kept, and zero-shot prediction of b from (a, c) on the val split ({@code val_acc}) and the test
 * draws. Val and test use whole batches only, as upstream's loaders drop the rest.
 */
public final class BinaryXorExperiment implements Experiment<BinaryXorModel> {
    private final RunSpec spec;
    private final XorSpec xor;
    private final double pHat;
    private final RunStreams streams;
    private Map<String, INDArray> train;
    private Map<String, INDArray> val;

    /**
     * @param index   which of {@code --p_hats}
     * @param streams the p̂'s random streams (ids: the index)
     */
    public BinaryXorExperiment(RunSpec spec, int index, RunStreams streams) {
        this.spec = spec;
        this.xor = spec.xor();
        this.pHat = xor.pHats().get(index);
        this.streams = streams;
    }

    /** The architecture is given by the spec alone. */
    public record Architecture(int dV, int d) {
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.BINARY_XOR;
    }

    @Override
    public Object architecture() {
        return new Architecture(xor.dV(), xor.d());
    }

    @Override
    public BinaryXorModel buildModel(RandomGenerator init, boolean pretrained) {
        return new BinaryXorModel(xor.dV(), xor.d(), spec.loss(), init, spec.microBatchRows());
    }

    @Override
    public BatchSource batches(Split split) {
        return switch (split) {
            case TRAIN -> IteratorBatches.of(trainData(), spec.trainer().batchSzTrain(), spec.trainer().dropLast());
            // upstream's val and test loaders drop the last partial batch (spec §3.4)
            case VAL -> IteratorBatches.of(valData(), spec.trainer().batchSzVal(), true);
            case TEST -> throw new IllegalArgumentException("binary_xor: the test split has no loss batches");
        };
    }

    @Override
    public Encodings encode(BinaryXorModel model, Split split, int draw) {
        return switch (split) {
            case VAL -> XorRetrieval.encode(model, valData(), spec.trainer().batchSzVal(), spec.loss().lossFn().score(),
                    "--val_n", "--batch_sz_val");
            case TEST -> XorRetrieval.encode(model, BinaryXor.generate(xor.testN(), xor.dV(), pHat,
                    streams.stream("test", draw)), spec.trainer().batchSzTest(), spec.loss().lossFn().score(),
                    "--test_n", "--batch_sz_test");
            case TRAIN -> throw new IllegalArgumentException("binary_xor: no retrieval on the training split");
        };
    }

    @Override
    public Bootstrap bootstrap() {
        return Bootstrap.FRESH_DRAWS;
    }

    @Override
    public CheckpointPolicy checkpointPolicy() {
        return CheckpointPolicy.KEEP_BEST;
    }

    @Override
    public String divergenceHint() {
        return "or --logit_scale_init (now " + spec.loss().logitScaleInit() + "), or --freeze_logit_scale True";
    }

    /** The p̂ this experiment trains. */
    public double pHat() {
        return pHat;
    }

    private Map<String, INDArray> trainData() {
        if (train == null) {
            train = BinaryXor.generate(xor.trainN(), xor.dV(), pHat, streams.stream("data", 0));
        }
        return train;
    }

    private Map<String, INDArray> valData() {
        if (val == null) {
            val = BinaryXor.generate(xor.valN(), xor.dV(), pHat, streams.stream("data", 1));
        }
        return val;
    }

    /** The directory of one p̂'s checkpoints: {@code p_hat_0.3} (one decimal where that is exact). */
    public static String partName(double p) {
        return "p_hat_" + format(p);
    }

    /** p̂ as upstream prints it ({@code %.1f}), with more digits only where one decimal would round it. */
    public static String format(double p) {
        String one = String.format(Locale.ROOT, "%.1f", p);
        return Double.parseDouble(one) == p ? one : String.valueOf(p);
    }
}
