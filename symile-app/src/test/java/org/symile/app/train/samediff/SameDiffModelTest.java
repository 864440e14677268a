package org.symile.app.train.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.GradientCache;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.nn.Linear;

/**
 * {@link SameDiffModel} on a three-modality linear model in DOUBLE: its gradients are the derivatives of the
 * batch-mean loss (central differences), a step is those gradients and one AdamW update (checked against the
 * first step's closed form), a frozen logit scale stays put, and state and optimizer state round-trip exactly.
 */
class SameDiffModelTest {
    private static final int B = 6;
    private static final OptimizerSpec OPT = OptimizerSpec.of(0.01, 0.1);

    /** a, b, c [B, 2] through Linear(2 → 3) each, with the loss the spec selects. */
    private static final class Model extends SameDiffModel {
        Model(LossSpec loss, LossForm form) {
            this(loss, form, 0);
        }

        Model(LossSpec loss, LossForm form, int microRows) {
            SplittableRandom init = new SplittableRandom(5);
            List<SDVariable> reps = new java.util.ArrayList<>();
            for (String m : List.of("a", "b", "c")) {
                SDVariable x = sd.placeHolder(m, DataType.DOUBLE, -1, 2);
                reps.add(Linear.create(sd, "f" + m, 2, 3, true, init, DataType.DOUBLE).apply(sd, x));
            }
            LogitScale scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, loss.logitScaleInit(),
                    loss.freezeLogitScale(), DataType.DOUBLE);
            finish(reps, 3, scale, loss, form, microRows);
        }

        @Override
        protected List<String> modalities() {
            return List.of("a", "b", "c");
        }

        @Override
        protected Map<String, INDArray> placeholders(Batch batch, Feed feed) {
            return Map.of("a", batch.get("a"), "b", batch.get("b"), "c", batch.get("c"));
        }
    }

    private static LossSpec loss(LossFn fn, NegativeSampling ns) {
        return new LossSpec(fn, ns, false, 0.2, false);
    }


    private static Batch batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        for (String m : List.of("a", "b", "c")) {
            arrays.put(m, Nd4j.randn(DataType.DOUBLE, B, 2));
        }
        return new Batch(arrays, B);
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> arrays) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /** Negatives-free losses, so the loss is a function of the weights alone. */
    @ParameterizedTest
    @CsvSource({"CLIP,N,GRAPH", "CLIP,N,CLOSED_FORM", "SYMILE,N_SQUARED,GRAPH", "GRAM,N,GRAPH", "GRAM,N,CLOSED_FORM",
            "TRIANGLE,N,GRAPH", "TRIANGLE,N,CLOSED_FORM", "SYMILE/0.2/a;c,N_SQUARED,GRAPH", "CLIP/0.1/b,N,GRAPH",
            "CLIP/0.1/b,N,CLOSED_FORM"})
    void gradientsAreCentralDifferencesOfTheBatchMeanLoss(String fn, NegativeSampling ns, LossForm form) {
        Model model = new Model(org.symile.app.spec.TestLosses.parse(fn, ns, false), form);
        int checked = CentralDifferences.check(model, batch(1));
        assertEquals(3 * (2 * 3 + 3) + 1, checked);
    }

    @Test
    void aStepIsItsGradientsThenOneAdamWUpdate() {
        Model stepped = new Model(loss(LossFn.SYMILE, NegativeSampling.N), LossForm.GRAPH);
        Model shared = new Model(loss(LossFn.SYMILE, NegativeSampling.N), LossForm.GRAPH);
        stepped.useOptimizer(OPT);
        shared.useOptimizer(OPT);
        Map<String, INDArray> before = copy(shared.state());
        Batch batch = batch(2);
        double loss = stepped.trainStep(batch, Permutations.random(new SplittableRandom(9)));
        TrainableModel.Gradients g = shared.gradients(batch, Permutations.random(new SplittableRandom(9)));
        assertEquals(loss, g.loss(), 0.0);
        shared.applyGradients(g.arrays());
        stepped.state().forEach((k, v) -> assertEquals(v, shared.state().get(k), k));
        stepped.optimizerState().forEach((k, v) -> assertEquals(v, shared.optimizerState().get(k), k));
        assertEquals(1, stepped.optimizerSteps());
        // AdamW's first step: m̂ = g, v̂ = g², so p1 = p0·(1 − lr·wd) − lr·g / (|g| + ε)
        for (String name : stepped.trainable()) {
            INDArray p0 = before.get(name);
            INDArray grad = g.arrays().get(name);
            INDArray p1 = stepped.state().get(name);
            for (long i = 0; i < p0.length(); i++) {
                double gi = grad.getDouble(i);
                double expected = p0.getDouble(i) * (1 - OPT.lr() * OPT.weightDecay())
                        - OPT.lr() * gi / (Math.abs(gi) + OPT.eps());
                assertEquals(expected, p1.getDouble(i), 1e-15, name + "[" + i + "]");
            }
        }
    }

    /**
     * Gradient caching: B 6 encoded 1, 2 (3 + 3) or 4 rows at a time (4 + 2 would be uneven: 3 + 3) gives the plain
     * step's loss, gradients and update, for O(N) Symile (the same permutations), O(N²) Symile, CLIP, GRAM and
     * TRIANGLE.
     */
    @ParameterizedTest
    @CsvSource({"SYMILE,N,1", "SYMILE,N,4", "SYMILE,N_SQUARED,2", "CLIP,N,4", "CLIP,N,6", "GRAM,N,4", "TRIANGLE,N,3",
            "SYMILE/0.2/a;c,N,4", "SYMILE/0.3/b,N_SQUARED,2", "CLIP/0.1/c,N,4"})
    void aMicroBatchedStepIsThePlainStep(String fn, NegativeSampling ns, int micro) {
        Model plain = new Model(org.symile.app.spec.TestLosses.parse(fn, ns, false), LossForm.GRAPH);
        Model cached = new Model(org.symile.app.spec.TestLosses.parse(fn, ns, false), LossForm.GRAPH, micro);
        Batch batch = batch(21);
        TrainableModel.Gradients gp = plain.gradients(batch, Permutations.random(new SplittableRandom(8)));
        TrainableModel.Gradients gc = cached.gradients(batch, Permutations.random(new SplittableRandom(8)));
        assertEquals(gp.loss(), gc.loss(), 1e-12);
        assertEquals(gp.arrays().keySet(), gc.arrays().keySet());
        double largest = 0;
        for (String k : gp.arrays().keySet()) {
            INDArray diff = gp.arrays().get(k).sub(gc.arrays().get(k));
            largest = Math.max(largest, diff.amaxNumber().doubleValue());
        }
        assertTrue(largest < 1e-12, "largest gradient difference " + largest);
        assertEquals(plain.evalLoss(batch, Permutations.random(new SplittableRandom(3))),
                cached.evalLoss(batch, Permutations.random(new SplittableRandom(3))), 1e-12);
        plain.useOptimizer(OPT);
        cached.useOptimizer(OPT);
        for (int step = 0; step < 3; step++) {
            assertEquals(plain.trainStep(batch(30 + step), Permutations.random(new SplittableRandom(step))),
                    cached.trainStep(batch(30 + step), Permutations.random(new SplittableRandom(step))), 1e-12);
        }
        for (String k : plain.trainable()) {
            assertEquals(0, plain.state().get(k).sub(cached.state().get(k)).amaxNumber().doubleValue(), 1e-12, k);
        }
        assertEquals(3, cached.optimizerSteps());
    }

    @Test
    void microBatchesAreAsEqualAsPossibleAndAtMostN() {
        assertArrayEquals(new long[][] {{0, 3}, {3, 6}}, GradientCache.split(6, 4));
        assertArrayEquals(new long[][] {{0, 56}, {56, 112}, {112, 168}, {168, 224}, {224, 280}},
                GradientCache.split(280, 56));
        assertArrayEquals(new long[][] {{0, 4}, {4, 7}, {7, 10}}, GradientCache.split(10, 4));
        assertArrayEquals(new long[][] {{0, 5}}, GradientCache.split(5, 8));
    }

    @Test
    void aFrozenLogitScaleIsNeitherTrainedNorDecayed() {
        Model model = new Model(new LossSpec(LossFn.CLIP, NegativeSampling.N, false, 0.2, true), LossForm.GRAPH);
        model.useOptimizer(OPT);
        assertFalse(model.trainable().contains(LogitScale.DEFAULT_NAME));
        assertTrue(model.state().containsKey(LogitScale.DEFAULT_NAME), "a frozen scale is still saved");
        model.trainStep(batch(3), null);
        assertEquals(Math.exp(0.2), model.logitScale(), 1e-15);
        assertFalse(model.optimizerState().containsKey("m/" + LogitScale.DEFAULT_NAME));
    }

    @Test
    void anInterruptedRunContinuesExactlyFromItsStateAndOptimizer() {
        Model whole = new Model(loss(LossFn.SYMILE, NegativeSampling.N), LossForm.CLOSED_FORM);
        Model first = new Model(loss(LossFn.SYMILE, NegativeSampling.N), LossForm.CLOSED_FORM);
        whole.useOptimizer(OPT);
        first.useOptimizer(OPT);
        Permutations pw = Permutations.random(new SplittableRandom(4));
        Permutations pf = Permutations.random(new SplittableRandom(4));
        whole.trainStep(batch(10), pw);
        first.trainStep(batch(10), pf);
        Model resumed = new Model(loss(LossFn.SYMILE, NegativeSampling.N), LossForm.CLOSED_FORM);
        resumed.useOptimizer(OPT);
        resumed.loadState(copy(first.state()), "test");
        resumed.restoreOptimizer(copy(first.optimizerState()), first.optimizerSteps());
        for (int s = 11; s < 13; s++) {
            assertEquals(whole.trainStep(batch(s), pw), resumed.trainStep(batch(s), pf), 0.0, "step " + s);
        }
        whole.state().forEach((k, v) -> assertEquals(v, resumed.state().get(k), k));
        assertEquals(3, resumed.optimizerSteps());
    }

    @Test
    void stateThatDoesNotFitIsRefusedNamingTheArray() {
        Model model = new Model(loss(LossFn.CLIP, NegativeSampling.N), LossForm.GRAPH);
        Map<String, INDArray> state = copy(model.state());
        Map<String, INDArray> missing = new HashMap<>(state);
        missing.remove("fb_W");
        assertEquals("ckpt: no array 'fb_W', which this model has (different model settings?)",
                assertThrows(IllegalArgumentException.class, () -> model.loadState(missing, "ckpt")).getMessage());
        Map<String, INDArray> extra = new HashMap<>(state);
        extra.put("fd_W", Nd4j.zeros(DataType.DOUBLE, 2, 3));
        assertEquals("ckpt: array 'fd_W' is not part of this model (different model settings?)",
                assertThrows(IllegalArgumentException.class, () -> model.loadState(extra, "ckpt")).getMessage());
        Map<String, INDArray> shaped = new HashMap<>(state);
        shaped.put("fb_W", Nd4j.zeros(DataType.DOUBLE, 2, 4));
        assertEquals("ckpt: array 'fb_W' has shape [2, 4], this model's is [2, 3] (different --d or model sizes?)",
                assertThrows(IllegalArgumentException.class, () -> model.loadState(shaped, "ckpt")).getMessage());
        // a FLOAT copy loads into the DOUBLE model, cast
        Map<String, INDArray> floats = new HashMap<>();
        state.forEach((k, v) -> floats.put(k, v.add(1).castTo(DataType.FLOAT)));
        model.loadState(floats, "ckpt");
        assertEquals(DataType.DOUBLE, model.state().get("fa_W").dataType());
        assertEquals(state.get("fa_W").getDouble(0) + 1, model.state().get("fa_W").getDouble(0), 1e-6);
    }

    @Test
    void gradientsOfAnotherShapeAreRefused() {
        Model model = new Model(loss(LossFn.CLIP, NegativeSampling.N), LossForm.GRAPH);
        model.useOptimizer(OPT);
        Map<String, INDArray> g = new HashMap<>(model.gradients(batch(4), null).arrays());
        g.put("fa_W", Nd4j.zeros(DataType.DOUBLE, 3, 2));
        assertEquals("gradients: 'fa_W' has shape [3, 2], the variable [2, 3]",
                assertThrows(IllegalArgumentException.class, () -> model.applyGradients(g)).getMessage());
        assertThrows(IllegalStateException.class, () -> new Model(loss(LossFn.CLIP, NegativeSampling.N),
                LossForm.GRAPH).trainStep(batch(4), null));
    }
}
