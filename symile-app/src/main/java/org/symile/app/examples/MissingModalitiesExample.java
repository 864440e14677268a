package org.symile.app.examples;

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
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.ZeroShot;
import org.symile.samediff.dl4j.SymileOutputLayer;

/**
 * Missing modalities as the symile package README advises: no special loss, only an encoder input that can say
 * "missing". Binary XOR with d_v bits (a, b uniform, c = a XOR b); in training and validation each modality of
 * each row is missing independently with probability q. An encoder sees [x·(1 − m), m]: the bits zeroed when
 * missing (m = 1) and the indicator; then Linear(d_v + 1 → d), L2 normalisation, a MergeVertex and
 * {@link SymileOutputLayer} (M = 3), trained by DL4J's fit with AdamW-equivalent updates; the state with the
 * lowest validation loss is kept. Test: zero-shot prediction of b among all 2^d_v candidates from complete a and
 * c (chance 2^−d_v, Bayes-optimal 1.0).
 */
public final class MissingModalitiesExample {
    private static final Logger LOG = LoggerFactory.getLogger(MissingModalitiesExample.class);
    private static final int M = 3;

    /** Settings; {@code q} is the probability that a modality is missing in a training or validation row. */
    public record Config(int dV, int d, LossFn lossFn, double q, int epochs, double lr, double weightDecay,
                         int batchSz, int trainN, int valN, int testN, double logitScaleInit, long seed) {
        public Config {
            if (dV < 1 || dV > 12) {
                throw new IllegalArgumentException("--d_v: expected 1..12, got " + dV);
            }
            if (!(q >= 0 && q < 1)) {
                throw new IllegalArgumentException("--q: expected probabilities in [0, 1), got " + q);
            }
            // the remaining checks are the 8-modality example's
            new BinaryXor8Example.Config(M, d, lossFn, epochs, lr, weightDecay, batchSz, trainN, valN, testN,
                    logitScaleInit, seed);
        }

        /** d_v 3, d 16, Symile, 30 epochs, lr 0.1, weight decay 0.01, batch 1000, 10,000 / 1,000 / 2,000 rows. */
        public static Config defaults(double q) {
            return new Config(3, 16, LossFn.SYMILE, q, 30, 0.1, 0.01, 1000, 10_000, 1_000, 2_000, -0.3, 0);
        }
    }

    /** Test accuracy for one q, with the kept epoch. */
    public record Result(double q, double testAcc, int bestEpoch, double chance) {
    }

    private MissingModalitiesExample() {
    }

    /** Trains with missingness q and tests on complete rows. */
    public static Result run(Config c) {
        SplittableRandom data = new SplittableRandom(c.seed());
        INDArray[] train = withMissingness(bits(c.trainN(), c.dV(), data), c.dV(), c.q(), data);
        INDArray[] val = withMissingness(bits(c.valN(), c.dV(), data), c.dV(), c.q(), data);
        int[][] testBits = bits(c.testN(), c.dV(), data);
        INDArray[] test = withMissingness(testBits, c.dV(), 0.0, data);
        ComputationGraph g = network(c);
        BestStateFit fit = BestStateFit.run(g, train, val, M, c.epochs(), c.batchSz(), c.seed());
        double scale = BestStateFit.logitScale(g);
        double acc = zeroShot(g, c, test, testBits, scale);
        LOG.info("missing modalities q {}: test_acc {} (best epoch {})", c.q(),
                String.format(java.util.Locale.ROOT, "%.4f", acc), fit.bestEpoch());
        return new Result(c.q(), acc, fit.bestEpoch(), Math.pow(2, -c.dV()));
    }

    /** Inputs "a", "b", "c" of width d_v + 1, encoders, normalisations "ra", "rb", "rc", layer "symile". */
    static ComputationGraph network(Config c) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(c.seed()).dataType(DataType.FLOAT).updater(new Adam(c.lr()))
                .weightDecay(c.weightDecay(), true).weightDecayBias(c.weightDecay(), true)
                .graphBuilder().addInputs("a", "b", "c")
                .setInputTypes(InputType.feedForward(c.dV() + 1), InputType.feedForward(c.dV() + 1),
                        InputType.feedForward(c.dV() + 1));
        for (String m : new String[] {"a", "b", "c"}) {
            b.addLayer("f" + m, new DenseLayer.Builder().nIn(c.dV() + 1).nOut(c.d()).activation(Activation.IDENTITY)
                    .build(), m);
            b.addVertex("r" + m, new L2NormalizeVertex(new int[] {1}, 1e-12), "f" + m);
        }
        b.addVertex("merge", new MergeVertex(), "ra", "rb", "rc");
        b.addLayer("symile", new SymileOutputLayer.Builder().numModalities(M).embeddingSize(c.d())
                .negativeSampling(NegativeSampling.N).lossFn(c.lossFn().flag()).logitScaleInit(c.logitScaleInit())
                .build(), "merge");
        b.setOutputs("symile");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    /** [3][n] bit vectors as integers: a, b uniform, c = a XOR b. */
    static int[][] bits(int n, int dV, SplittableRandom rng) {
        int[][] v = new int[M][n];
        for (int i = 0; i < n; i++) {
            v[0][i] = rng.nextInt(1 << dV);
            v[1][i] = rng.nextInt(1 << dV);
            v[2][i] = v[0][i] ^ v[1][i];
        }
        return v;
    }

    /** Encoder inputs [n, d_v + 1] per modality: bits zeroed where missing (probability q), then the indicator. */
    static INDArray[] withMissingness(int[][] bits, int dV, double q, SplittableRandom rng) {
        int n = bits[0].length;
        INDArray[] out = new INDArray[M];
        for (int m = 0; m < M; m++) {
            float[][] x = new float[n][dV + 1];
            for (int i = 0; i < n; i++) {
                if (q > 0 && rng.nextDouble() < q) {
                    x[i][dV] = 1f;
                } else {
                    for (int j = 0; j < dV; j++) {
                        x[i][j] = (bits[m][i] >> j) & 1;
                    }
                }
            }
            out[m] = Nd4j.createFromArray(x);
        }
        return out;
    }

    /** Accuracy of predicting b among all 2^d_v candidates from complete a and c. */
    static double zeroShot(ComputationGraph g, Config c, INDArray[] test, int[][] testBits, double scale) {
        java.util.Map<String, INDArray> acts = g.feedForward(test, false);
        int k = 1 << c.dV();
        float[][] cand = new float[k][c.dV() + 1];
        for (int v = 0; v < k; v++) {
            for (int j = 0; j < c.dV(); j++) {
                cand[v][j] = (v >> j) & 1;
            }
        }
        INDArray ci = Nd4j.createFromArray(cand);
        INDArray candidates = g.feedForward(new INDArray[] {ci, ci, ci}, false).get("rb");
        long[] pred = ZeroShot.argmax(c.lossFn().score(), candidates, List.of(acts.get("ra"), acts.get("rc")), scale,
                ZeroShot.DEFAULT_CHUNK);
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            correct += pred[i] == testBits[1][i] ? 1 : 0;
        }
        return (double) correct / pred.length;
    }
}
