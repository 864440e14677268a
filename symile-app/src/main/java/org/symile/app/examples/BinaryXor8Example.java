package org.symile.app.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.spec.LossFn;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.ZeroShot;
import org.symile.samediff.dl4j.SymileOutputLayer;

/**
 * The package's 8-modality binary XOR example (upstream-examples.md) as a DL4J pipeline: M inputs [n, 1], each
 * through Linear(1 → d) and L2 normalisation, merged into [n, M·d] for a {@link SymileOutputLayer} (M
 * modalities, O(N) negatives, learned logit scale); DL4J's {@code fit} with Adam plus decoupled weight decay on
 * every parameter (PyTorch's AdamW). The state with the lowest validation loss is kept (upstream's script means
 * to, but keeps a reference to the live weights and so tests the last epoch). Zero-shot test: predict v_1 from
 * the other M−1 modalities, candidates the encodings of v_1 = 0 and 1, score exp(log s)·MIP (Symile) or the
 * pairwise sum (CLIP); chance 0.5. Only the M-way interaction determines v_1.
 */
public final class BinaryXor8Example {
    private static final Logger LOG = LoggerFactory.getLogger(BinaryXor8Example.class);

    /**
     * Settings, upstream's names and defaults.
     *
     * @param modalities M (8 in the example)
     * @param lossFn     symile, clip, gram or triangle (the last two with label smoothing 0.1, every anchor)
     */
    public record Config(int modalities, int d, LossFn lossFn, int epochs, double lr, double weightDecay,
                         int batchSz, int trainN, int valN, int testN, double logitScaleInit, long seed) {
        public Config {
            require(modalities >= 2, "--modalities", "an integer >= 2", modalities);
            require(d >= 1, "--d", "an integer >= 1", d);
            require(epochs >= 1, "--epochs", "an integer >= 1", epochs);
            require(lr > 0 && Double.isFinite(lr), "--lr", "a positive number", lr);
            require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight_decay", "a number >= 0", weightDecay);
            require(batchSz >= 2, "--batch_sz", "an integer >= 2", batchSz);
            require(trainN >= batchSz, "--train_n", "at least --batch_sz rows", trainN);
            require(valN >= 2, "--val_n", "an integer >= 2", valN);
            require(testN >= 1, "--test_n", "an integer >= 1", testN);
            require(Double.isFinite(logitScaleInit), "--logit_scale_init", "a finite number", logitScaleInit);
            if (lossFn == null) {
                throw new IllegalArgumentException("--loss_fn: expected symile, clip, gram or triangle");
            }
            // TRIANGLE needs M = 3, GRAM d >= M; the layer uses their official smoothing 0.1 and every anchor
            lossFn.tupleObjective().ifPresent(o -> o.checkDimensions(modalities, d));
        }

        /** The example's defaults: M 8, d 16, Symile, 50 epochs, lr 0.1, weight decay 0.01, batch 1000. */
        public static Config defaults() {
            return new Config(8, 16, LossFn.SYMILE, 50, 0.1, 0.01, 1000, 10_000, 1_000, 5_000, -0.3, 0);
        }

        private static void require(boolean ok, String flag, String expected, Object got) {
            if (!ok) {
                throw new IllegalArgumentException(flag + ": expected " + expected + ", got " + got);
            }
        }
    }

    /**
     * @param testAcc      zero-shot accuracy of predicting v_1 on the test set
     * @param bestEpoch    1-based epoch of the kept state
     * @param valLosses    validation loss after every epoch
     * @param logitScale   exp(log s) of the kept state
     */
    public record Result(double testAcc, int bestEpoch, List<Double> valLosses, double logitScale) {
    }

    private BinaryXor8Example() {
    }

    /** The network: inputs {@code v1..vM}, encoders {@code f1..}, normalisations {@code r1..}, layer "symile". */
    public static ComputationGraph network(Config c) {
        return network(c, LossForm.CLOSED_FORM);
    }

    /** {@link #network(Config)} with the loss layer in the given form (the eager default, or the SameDiff graph). */
    public static ComputationGraph network(Config c, LossForm form) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(c.seed()).dataType(DataType.FLOAT).updater(new Adam(c.lr()))
                .weightDecay(c.weightDecay(), true).weightDecayBias(c.weightDecay(), true)
                .graphBuilder();
        String[] inputs = new String[c.modalities()];
        String[] reps = new String[c.modalities()];
        InputType[] types = new InputType[c.modalities()];
        for (int m = 0; m < c.modalities(); m++) {
            inputs[m] = "v" + (m + 1);
            reps[m] = "r" + (m + 1);
            types[m] = InputType.feedForward(1);
        }
        b.addInputs(inputs).setInputTypes(types);
        for (int m = 0; m < c.modalities(); m++) {
            b.addLayer("f" + (m + 1), new DenseLayer.Builder().nIn(1).nOut(c.d()).activation(Activation.IDENTITY)
                    .build(), inputs[m]);
            b.addVertex(reps[m], new L2NormalizeVertex(new int[] {1}, 1e-12), "f" + (m + 1));
        }
        b.addVertex("merge", new MergeVertex(), reps);
        b.addLayer("symile", new SymileOutputLayer.Builder().numModalities(c.modalities()).embeddingSize(c.d())
                .negativeSampling(NegativeSampling.N).lossFn(c.lossFn().flag()).logitScaleInit(c.logitScaleInit())
                .lossForm(form).build(), "merge");
        b.setOutputs("symile");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        // PyTorch's Linear(1, d) initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) = U(-1, 1)
        SplittableRandom init = new SplittableRandom(c.seed() ^ 0x5EED);
        for (int m = 0; m < c.modalities(); m++) {
            for (String p : new String[] {"W", "b"}) {
                INDArray a = g.getParam("f" + (m + 1) + "_" + p);
                for (long i = 0; i < a.length(); i++) {
                    a.putScalar(i, 2 * init.nextDouble() - 1);
                }
            }
        }
        return g;
    }

    /** n rows of the example's data: M modalities [n, 1] of Bernoulli(0.5) bits, the last the XOR of the others. */
    public static INDArray[] data(int n, int modalities, SplittableRandom rng) {
        return XorBits.draw(n, modalities, rng);
    }

    /** Trains and tests once. */
    public static Result run(Config c) {
        SplittableRandom data = new SplittableRandom(c.seed());
        INDArray[] train = XorBits.draw(c.trainN(), c.modalities(), data);
        INDArray[] val = XorBits.draw(c.valN(), c.modalities(), data);
        INDArray[] test = XorBits.draw(c.testN(), c.modalities(), data);
        ComputationGraph g = network(c);
        BestStateFit fit = BestStateFit.run(g, train, val, c.modalities(), c.epochs(), c.batchSz(), c.seed());
        double scale = BestStateFit.logitScale(g);
        LOG.info("binary_xor_{} {}: kept epoch {}, val_loss {}", c.modalities(), c.lossFn().flag(), fit.bestEpoch(),
                String.format(java.util.Locale.ROOT, "%.4f", fit.valLosses().get(fit.bestEpoch() - 1)));
        double acc = zeroShot(g, c, test, scale);
        return new Result(acc, fit.bestEpoch(), fit.valLosses(), scale);
    }

    /** Accuracy of predicting v_1 from the other modalities, candidates v_1 = 0 and v_1 = 1. */
    static double zeroShot(ComputationGraph g, Config c, INDArray[] test, double scale) {
        int n = (int) test[0].rows();
        java.util.Map<String, INDArray> acts = g.feedForward(test, false);
        List<INDArray> queries = new ArrayList<>();
        for (int m = 1; m < c.modalities(); m++) {
            queries.add(acts.get("r" + (m + 1)));
        }
        INDArray[] candidateInputs = new INDArray[c.modalities()];
        for (int m = 0; m < c.modalities(); m++) {
            candidateInputs[m] = Nd4j.createFromArray(new float[][] {{0f}, {1f}});
        }
        INDArray candidates = g.feedForward(candidateInputs, false).get("r1");
        long[] pred = ZeroShot.argmax(c.lossFn().score(), candidates, queries, scale, ZeroShot.DEFAULT_CHUNK);
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += pred[i] == (long) test[0].getFloat(i, 0) ? 1 : 0;
        }
        return (double) correct / n;
    }
}
