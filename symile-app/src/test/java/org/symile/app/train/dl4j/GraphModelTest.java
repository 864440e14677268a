package org.symile.app.train.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.symile.app.memory.NativeAllocator;
import org.symile.app.memory.StepMemory;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.SymileOutputLayer;
import org.symile.samediff.dl4j.TorchBatchNorm2d;

/**
 * {@link GraphModel} on a small DL4J graph in DOUBLE (a, b: Dense 2 → 3; c: [2, 1, 1] through PyTorch batch norm,
 * pooling and Dense 2 → 3; merged into the Symile output layer): its gradient is the derivative of the batch-mean loss
 * (central differences of DL4J's summed one), a step is that gradient plus the running-statistics update and one
 * AdamW update (checked against the first step's closed form), a frozen logit scale stays put, and the memory
 * estimate adds up the graph's activations.
 */
class GraphModelTest {
    private static final int B = 6;
    private static final OptimizerSpec OPT = OptimizerSpec.of(0.01, 0.1);
    private static final String LOSS = "loss";
    private static final String SCALE = LOSS + "_" + SymileOutputLayer.LOGIT_SCALE;

    private static final class Model extends GraphModel {
        private final boolean batchNorm;

        Model(LossSpec loss) {
            this(loss, true, 0);
        }

        /** @param batchNorm c through batch norm (c [B, 2, 1, 1]) or not (c [B, 2]) */
        Model(LossSpec loss, boolean batchNorm, int microRows) {
            this(loss, batchNorm, microRows, 0);
        }

        /** @param hidden the width of a hidden layer that a passes through first (0: none) */
        Model(LossSpec loss, boolean batchNorm, int microRows, int hidden) {
            super(graph(loss, batchNorm, microRows > 0, hidden), LOSS, List.of("a", "b", "c"), 3, loss, microRows,
                    InputType.feedForward(2), InputType.feedForward(2),
                    batchNorm ? InputType.convolutional(1, 1, 2) : InputType.feedForward(2));
            this.batchNorm = batchNorm;
        }

        private static ComputationGraph graph(LossSpec loss, boolean batchNorm, boolean cached, int hidden) {
            GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).updater(new NoOp())
                    .seed(3).graphBuilder().addInputs("a", "b", "c").setInputTypes(InputType.feedForward(2),
                            InputType.feedForward(2), batchNorm ? InputType.convolutional(1, 1, 2)
                                    : InputType.feedForward(2));
            if (hidden > 0) {
                g.addLayer("hidden", new DenseLayer.Builder().nIn(2).nOut(hidden).activation(new ActivationTanH())
                        .build(), "a");
                g.addLayer("fa", new DenseLayer.Builder().nIn(hidden).nOut(3).activation(new ActivationIdentity())
                        .build(), "hidden");
            } else {
                g.addLayer("fa", dense(new ActivationTanH()), "a");
            }
            g.addLayer("fb", dense(new ActivationIdentity()), "b");
            if (batchNorm) {
                g.addLayer("bn", new TorchBatchNorm2d("bn", 2, false), "c");
                g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn");
                g.addLayer("fc", dense(new ActivationIdentity()), "pool");
            } else {
                g.addLayer("fc", dense(new ActivationTanH()), "c");
            }
            g.addVertex("reps", new MergeVertex(), "fa", "fb", "fc");
            g.addLayer(LOSS, loss.outputLayer(List.of("a", "b", "c")).embeddingSize(3).cachedGradients(cached)
                    .build(), "reps");
            g.setOutputs(LOSS);
            ComputationGraph cg = new ComputationGraph(g.build());
            cg.init();
            return cg;
        }

        private static DenseLayer dense(org.nd4j.linalg.activations.IActivation act) {
            return new DenseLayer.Builder().nIn(2).nOut(3).hasBias(true).activation(act).build();
        }

        @Override
        protected INDArray[] inputs(Batch batch) {
            INDArray c = batch.get("c");
            return new INDArray[] {batch.get("a"), batch.get("b"), batchNorm ? c : c.reshape(c.size(0), 2)};
        }
    }

    /**
     * When memory is tight the flattened gradient's pages are handed back after each pass and come back as zeros:
     * plain and gradient-cached steps give the same parameters to the bit as without.
     */
    @ParameterizedTest
    @CsvSource({"0", "2"})
    void discardingTheGradientsPagesBetweenStepsChangesNothing(int micro) {
        assertTrue(NativeAllocator.configure(), "glibc's malloc on this test machine");
        // a through a 2048-wide hidden layer: a flattened gradient of ~48 pages (in DOUBLE) to discard
        Model kept = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false), false, micro, 2048);
        Model discarded = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false), false, micro, 2048);
        discarded.releaseMemoryAfterEveryPass();
        kept.useOptimizer(OPT);
        discarded.useOptimizer(OPT);
        for (int step = 0; step < 3; step++) {
            assertEquals(kept.trainStep(batch(30 + step), Permutations.random(new SplittableRandom(step))),
                    discarded.trainStep(batch(30 + step), Permutations.random(new SplittableRandom(step))), 0.0);
            INDArray flat = discarded.graph().getFlattenedGradients();
            assertTrue(flat.length() * Double.BYTES > 16 * 4096);
            assertEquals(0.0, flat.getDouble(flat.length() / 2), "an inner page was handed back");
            assertTrue(kept.graph().getFlattenedGradients().getDouble(flat.length() / 2) != 0.0);
        }
        assertEquals(kept.graph().params(), discarded.graph().params());
    }

    private static LossSpec loss(LossFn fn, NegativeSampling ns, boolean freeze) {
        return new LossSpec(fn, ns, false, 0.2, freeze);
    }

    private static LossSpec loss(String fn, NegativeSampling ns, boolean freeze) {
        return org.symile.app.spec.TestLosses.parse(fn, ns, freeze);
    }

    private static Batch batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new Batch(Map.of("a", Nd4j.randn(DataType.DOUBLE, B, 2), "b", Nd4j.randn(DataType.DOUBLE, B, 2),
                "c", Nd4j.randn(DataType.DOUBLE, B, 2, 1, 1).addi(1.5)), B);
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> arrays) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /** The batch-mean loss in training mode (batch statistics), nothing updated. */
    private static double trainingLoss(Model model, Batch batch) {
        return model.gradients(batch, null).loss();
    }

    @ParameterizedTest
    @CsvSource({"CLIP,N", "SYMILE,N_SQUARED", "GRAM,N", "TRIANGLE,N", "SYMILE/0.2/a;c,N_SQUARED", "CLIP/0.1/b,N"})
    void theFlatGradientIsTheDerivativeOfTheBatchMeanLoss(String fn, NegativeSampling ns) {
        Model model = new Model(loss(fn, ns, false));
        Batch batch = batch(1);
        TrainableModel.Gradients g = model.gradients(batch, null);
        INDArray flat = g.arrays().get(GraphModel.FLAT_GRADIENT);
        INDArray params = model.graph().params();
        assertEquals(params.length(), flat.length());
        double h = 1e-6;
        Map<String, INDArray> table = model.graph().paramTable();
        int checked = 0;
        for (Map.Entry<String, INDArray> e : table.entrySet()) {
            if (e.getKey().endsWith("_mean") || e.getKey().endsWith("_var")) {
                continue; // running statistics: updated, not differentiated (below)
            }
            INDArray p = e.getValue();
            long from = p.offset() - params.offset();
            for (long i = 0; i < p.length(); i++) {
                double orig = params.getDouble(from + i);
                params.putScalar(from + i, orig + h);
                double up = trainingLoss(model, batch);
                params.putScalar(from + i, orig - h);
                double down = trainingLoss(model, batch);
                params.putScalar(from + i, orig);
                double numeric = (up - down) / (2 * h);
                assertEquals(numeric, flat.getDouble(from + i), 1e-7 * Math.max(1, Math.abs(numeric)),
                        e.getKey() + "[" + i + "]");
                checked++;
            }
        }
        // three Dense(2 → 3), batch norm's gamma and beta, the logit scale
        assertEquals(3 * 9 + 4 + 1, checked);
    }

    @Test
    void aStepMovesTheRunningStatisticsAndTakesTheFirstAdamWStep() {
        Model stepped = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false));
        Model shared = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false));
        stepped.useOptimizer(OPT);
        shared.useOptimizer(OPT);
        Map<String, INDArray> before = copy(stepped.state());
        INDArray flatBefore = stepped.graph().params().dup();
        Batch batch = batch(2);
        TrainableModel.Gradients g = shared.gradients(batch, Permutations.random(new SplittableRandom(7)));
        double loss = stepped.trainStep(batch, Permutations.random(new SplittableRandom(7)));
        assertEquals(g.loss(), loss, 0.0);
        shared.applyGradients(g.arrays());
        stepped.state().forEach((k, v) -> assertEquals(v, shared.state().get(k), k));
        stepped.optimizerState().forEach((k, v) -> assertEquals(v, shared.optimizerState().get(k), k));
        assertEquals(1, stepped.optimizerSteps());

        // PyTorch's running statistics: (1 − 0.1)·old + 0.1·batch, the variance unbiased
        INDArray c = batch.get("c").reshape(B, 2);
        INDArray mean = c.mean(0);
        INDArray var = c.var(true, 0);
        for (int k = 0; k < 2; k++) {
            assertEquals(0.9 * before.get("bn_mean").getDouble(k) + 0.1 * mean.getDouble(k),
                    stepped.state().get("bn_mean").getDouble(k), 1e-12, "running mean " + k);
            assertEquals(0.9 * before.get("bn_var").getDouble(k) + 0.1 * var.getDouble(k),
                    stepped.state().get("bn_var").getDouble(k), 1e-12, "running var " + k);
        }
        // AdamW's first step on every trained parameter: p1 = p0·(1 − lr·wd) − lr·g / (|g| + ε), element by element
        // of the flattened vector (where the gradient is laid out as the parameters)
        INDArray flat = g.arrays().get(GraphModel.FLAT_GRADIENT);
        INDArray params = stepped.graph().params();
        int checked = 0;
        for (Map.Entry<String, INDArray> e : stepped.graph().paramTable().entrySet()) {
            if (e.getKey().equals("bn_mean") || e.getKey().equals("bn_var")) {
                continue;
            }
            long from = e.getValue().offset() - params.offset();
            for (long j = from; j < from + e.getValue().length(); j++) {
                double gi = flat.getDouble(j);
                double expected = flatBefore.getDouble(j) * (1 - OPT.lr() * OPT.weightDecay())
                        - OPT.lr() * gi / (Math.abs(gi) + OPT.eps());
                assertEquals(expected, params.getDouble(j), 1e-15, e.getKey() + " at " + j);
                checked++;
            }
        }
        assertEquals(32, checked);
    }

    @Test
    void aFrozenLogitScaleIsNeitherTrainedNorDecayed() {
        Model model = new Model(loss(LossFn.CLIP, NegativeSampling.N, true));
        model.useOptimizer(OPT);
        model.trainStep(batch(3), null);
        model.trainStep(batch(4), null);
        assertEquals(Math.exp(0.2), model.logitScale(), 1e-15);
        assertEquals(0.0, model.optimizerState().containsKey("m/" + SCALE)
                ? model.optimizerState().get("m/" + SCALE).getDouble(0) : 0.0);
        Model unfrozen = new Model(loss(LossFn.CLIP, NegativeSampling.N, false));
        unfrozen.useOptimizer(OPT);
        unfrozen.trainStep(batch(3), null);
        assertNotEquals(Math.exp(0.2), unfrozen.logitScale(), "an unfrozen scale moves");
    }

    @Test
    void evaluationUsesTheRunningStatistics() {
        Model model = new Model(loss(LossFn.CLIP, NegativeSampling.N, false));
        Batch batch = batch(5);
        double eval = model.evalLoss(batch, null);
        assertNotEquals(trainingLoss(model, batch), eval, 1e-6);
        // with the running statistics set to the batch's own (biased) ones, training and evaluation agree
        INDArray c = batch.get("c").reshape(B, 2);
        model.graph().paramTable().get("bn_mean").assign(c.mean(0).reshape(model.graph().getParam("bn_mean")
                .shape()));
        model.graph().paramTable().get("bn_var").assign(c.var(false, 0).reshape(model.graph().getParam("bn_var")
                .shape()));
        assertEquals(trainingLoss(model, batch), model.evalLoss(batch, null), 1e-12);
    }

    private static double largestDifference(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    /**
     * Gradient caching without batch statistics: B 6 encoded 1, 2 or 4 rows at a time (3 + 3) gives the plain step's
     * loss, flattened gradient and update, for O(N) Symile (the same permutations), O(N²) Symile and CLIP.
     */
    @ParameterizedTest
    @CsvSource({"SYMILE,N,1", "SYMILE,N,4", "SYMILE,N_SQUARED,2", "CLIP,N,4", "GRAM,N,4", "TRIANGLE,N,3",
            "SYMILE/0.2/c,N,4", "CLIP/0.1/a,N,4"})
    void aMicroBatchedStepIsThePlainStep(String fn, NegativeSampling ns, int micro) {
        Model plain = new Model(loss(fn, ns, false), false, 0);
        Model cached = new Model(loss(fn, ns, false), false, micro);
        assertEquals(plain.graph().params(), cached.graph().params());
        Batch batch = batch(8);
        TrainableModel.Gradients gp = plain.gradients(batch, Permutations.random(new SplittableRandom(2)));
        TrainableModel.Gradients gc = cached.gradients(batch, Permutations.random(new SplittableRandom(2)));
        assertEquals(gp.loss(), gc.loss(), 1e-12);
        assertTrue(largestDifference(gp.arrays().get(GraphModel.FLAT_GRADIENT),
                gc.arrays().get(GraphModel.FLAT_GRADIENT)) < 1e-12);
        assertEquals(plain.evalLoss(batch, Permutations.random(new SplittableRandom(5))),
                cached.evalLoss(batch, Permutations.random(new SplittableRandom(5))), 1e-12);
        INDArray[] rp = plain.represent(batch);
        INDArray[] rc = cached.represent(batch);
        for (int m = 0; m < 3; m++) {
            assertEquals(0, largestDifference(rp[m], rc[m]), 1e-15);
        }
        plain.useOptimizer(OPT);
        cached.useOptimizer(OPT);
        for (int step = 0; step < 3; step++) {
            assertEquals(plain.trainStep(batch(20 + step), Permutations.random(new SplittableRandom(step))),
                    cached.trainStep(batch(20 + step), Permutations.random(new SplittableRandom(step))), 1e-12);
        }
        assertTrue(largestDifference(plain.graph().params(), cached.graph().params()) < 1e-12);
    }

    /**
     * With batch norm: one micro-batch is the plain step; two normalise each with its own statistics and move the
     * running statistics once each, in order (PyTorch's update, applied per micro-batch).
     */
    @Test
    void batchNormNormalisesEachMicroBatchAndMovesItsStatisticsOncePerMicroBatch() {
        Model plain = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false), true, 0);
        Model whole = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false), true, B);
        Model halves = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false), true, 3);
        for (Model m : List.of(plain, whole, halves)) {
            m.useOptimizer(OPT);
        }
        Batch batch = batch(9);
        INDArray mean0 = plain.state().get("bn_mean").dup();
        INDArray var0 = plain.state().get("bn_var").dup();
        double lp = plain.trainStep(batch, Permutations.random(new SplittableRandom(1)));
        double lw = whole.trainStep(batch, Permutations.random(new SplittableRandom(1)));
        assertEquals(lp, lw, 1e-12);
        assertTrue(largestDifference(plain.graph().params(), whole.graph().params()) < 1e-12);

        TrainableModel.Gradients shared = new Model(loss(LossFn.SYMILE, NegativeSampling.N, false), true, 3)
                .gradients(batch, Permutations.random(new SplittableRandom(1)));
        halves.trainStep(batch, Permutations.random(new SplittableRandom(1)));
        INDArray c = batch.get("c").reshape(B, 2);
        INDArray first = c.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all());
        INDArray second = c.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all());
        for (int k = 0; k < 2; k++) {
            double m1 = 0.9 * mean0.getDouble(k) + 0.1 * first.mean(0).getDouble(k);
            double m2 = 0.9 * m1 + 0.1 * second.mean(0).getDouble(k);
            assertEquals(m2, halves.state().get("bn_mean").getDouble(k), 1e-12, "running mean " + k);
            double v1 = 0.9 * var0.getDouble(k) + 0.1 * first.var(true, 0).getDouble(k);
            double v2 = 0.9 * v1 + 0.1 * second.var(true, 0).getDouble(k);
            assertEquals(v2, halves.state().get("bn_var").getDouble(k), 1e-12, "running var " + k);
            // gradients() changes nothing and reports the same moves as one update
            assertEquals(mean0.getDouble(k) - m2, shared.arrays().get(GraphModel.RUNNING_UPDATE + "bn_mean")
                    .getDouble(k), 1e-12);
        }
        assertTrue(largestDifference(plain.graph().params(), halves.graph().params()) > 1e-6,
                "per-micro-batch statistics change the gradient");
    }

    @Test
    void theMemoryEstimateCountsTheGraphsActivationsAndTheUnallocatedGradient() {
        Model model = new Model(loss(LossFn.SYMILE, NegativeSampling.N_SQUARED, false));
        StepMemory before = model.stepMemory().orElseThrow();
        // per example: the inputs 2 + 2 + 2, fa and fb 3 + 3, bn 2, pool 2, fc 3, the merge 9 and the loss layer's
        // output (of its input's type) 9
        long elements = 6 + 6 + 2 + 2 + 3 + 9 + 9;
        assertEquals((long) (elements * 8 * StepMemory.ACTIVATION_OVERHEAD), before.perRowBytes());
        assertEquals(StepMemory.N_SQUARED_PRODUCTS * 3 * 8, before.perRowSquaredBytes());
        assertEquals(model.graph().numParams() * 8, before.fixedBytes());
        model.useOptimizer(OPT);
        model.trainStep(batch(6), null);
        assertEquals(0, model.stepMemory().orElseThrow().fixedBytes(), "the gradient vector exists now");
        assertEquals(0, new Model(loss(LossFn.SYMILE, NegativeSampling.N, false)).stepMemory().orElseThrow()
                .perRowSquaredBytes());
    }

    @Test
    void stateThatDoesNotFitIsRefusedWithTheSameMessagesAsSameDiffModels() {
        Model model = new Model(loss(LossFn.CLIP, NegativeSampling.N, false));
        Map<String, INDArray> state = copy(model.state());
        Map<String, INDArray> missing = new HashMap<>(state);
        missing.remove("bn_var");
        assertEquals("f: no array 'bn_var', which this model has (different model settings?)",
                assertThrows(IllegalArgumentException.class, () -> model.loadState(missing, "f")).getMessage());
        Map<String, INDArray> shaped = new HashMap<>(state);
        shaped.put("fa_W", Nd4j.zeros(DataType.DOUBLE, 3, 2));
        assertEquals("f: array 'fa_W' has shape [3, 2], this model's is [2, 3] (different --d or model sizes?)",
                assertThrows(IllegalArgumentException.class, () -> model.loadState(shaped, "f")).getMessage());
        Model other = new Model(loss(LossFn.CLIP, NegativeSampling.N, false));
        other.graph().params().addi(0.5);
        model.loadState(copy(other.state()), "f");
        assertEquals(other.graph().params(), model.graph().params());
        assertEquals(other.evalLoss(batch(7), null), model.evalLoss(batch(7), null), 0.0);
        Map<String, INDArray> g = new HashMap<>();
        g.put(GraphModel.FLAT_GRADIENT, Nd4j.zeros(DataType.DOUBLE, 3));
        model.useOptimizer(OPT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.applyGradients(g));
        assertTrue(e.getMessage().startsWith("gradients: expected 'flat_gradient' of " + model.graph().numParams()),
                e.getMessage());
        assertEquals(List.of(), List.copyOf(new Model(loss(LossFn.CLIP, NegativeSampling.N, false)).optimizerState()
                .keySet()));
    }
}
