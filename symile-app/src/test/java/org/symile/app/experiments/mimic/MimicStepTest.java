package org.symile.app.experiments.mimic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.dl4j.GraphModel;
import org.symile.data.NpyFile;
import org.symile.data.StateDicts;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;

/**
 * One training step of the Symile-MIMIC model equals PyTorch's (mimicfixtures/, made by make_mimic_step.py): a
 * float64 copy of upstream's model (torchvision ResNet-50 and ResNet-18 of base width 8, heads, labs MLP), the
 * Symile O(N²) loss and one torch.optim.AdamW step, in training mode (batch statistics, running-statistics update);
 * and so does a gradient-cached step (make_mimic_cached_step.py).
 */
class MimicStepTest {

    static Path fixture(String name) {
        try {
            return Path.of(MimicStepTest.class.getResource("/mimicfixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static INDArray npy(String name) {
        try (NpyFile f = NpyFile.open(fixture(name))) {
            return f.read().castTo(DataType.DOUBLE);
        }
    }

    /** Shared-gradient training's two halves make exactly one training step (running statistics included). */
    @Test
    void gradientsThenApplyIsTheTrainingStep() {
        MimicArchitecture a = new MimicArchitecture(new long[] {3, 32, 32}, new long[] {1, 64, 12}, 16, 8);
        LossSpec loss = new LossSpec(LossFn.SYMILE, NegativeSampling.N, false, -1.0, false);
        MimicModel stepped = new MimicModel(MimicNetwork.build(a, loss, new SplittableRandom(0), DataType.DOUBLE), a,
                loss);
        MimicModel shared = new MimicModel(MimicNetwork.build(a, loss, new SplittableRandom(0), DataType.DOUBLE), a,
                loss);
        stepped.useOptimizer(OptimizerSpec.of(1e-3, 0.1));
        shared.useOptimizer(OptimizerSpec.of(1e-3, 0.1));
        Batch batch = new Batch(Map.of("cxr", npy("mimic_cxr.npy"), "ecg", npy("mimic_ecg.npy"), "labs",
                npy("mimic_labs.npy")), 6);
        for (int step = 0; step < 2; step++) {
            double expected = stepped.trainStep(batch, Permutations.random(new SplittableRandom(step)));
            var g = shared.gradients(batch, Permutations.random(new SplittableRandom(step)));
            assertEquals(expected, g.loss(), 0.0);
            assertTrue(g.arrays().keySet().stream().anyMatch(k -> k.startsWith(GraphModel.RUNNING_UPDATE)), "running updates");
            shared.applyGradients(g.arrays());
        }
        stepped.state().forEach((k, v) -> assertEquals(v, shared.state().get(k), k));
        stepped.optimizerState().forEach((k, v) -> assertEquals(v, shared.optimizerState().get(k), k));
    }

    @Test
    void oneTrainingStepMatchesPyTorch() {
        double worst = stepAgainstPyTorch(0, "mimic_loss.npy", "mimic_state_after.pt");
        assertTrue(worst < 1e-6, "largest difference to PyTorch after the step: " + worst);
    }

    /**
     * The gradient-cached step (micro-batches of 3 of the batch of 6: batch norm per micro-batch, running statistics
     * moved once per micro-batch) equals PyTorch's gradient-caching step (make_mimic_cached_step.py).
     */
    @Test
    void oneGradientCachedStepMatchesPyTorch() {
        double worst = stepAgainstPyTorch(3, "mimic_cached_loss.npy", "mimic_cached_state_after.pt");
        assertTrue(worst < 1e-6, "largest difference to PyTorch after the cached step: " + worst);
    }

    /** One step from the fixture's state on its batch; the largest difference to PyTorch's tensors after it. */
    private static double stepAgainstPyTorch(int microRows, String lossFile, String afterFile) {
        MimicArchitecture a = new MimicArchitecture(new long[] {3, 32, 32}, new long[] {1, 64, 12}, 16, 8);
        LossSpec loss = new LossSpec(LossFn.SYMILE, NegativeSampling.N_SQUARED, false, -1.0, false);
        MimicModel model = new MimicModel(MimicNetwork.build(a, loss, new SplittableRandom(0), DataType.DOUBLE,
                microRows > 0), a, loss, microRows);
        Map<String, INDArray> before = new LinkedHashMap<>();
        StateDicts.read(fixture("mimic_state_before.pt"))
                .forEach((k, v) -> before.put(k, v.castTo(DataType.DOUBLE)));
        model.loadTorchState(before, "mimic_state_before.pt");
        model.useOptimizer(OptimizerSpec.of(1e-3, 0.1));
        Batch batch = new Batch(Map.of("cxr", npy("mimic_cxr.npy"), "ecg", npy("mimic_ecg.npy"), "labs",
                npy("mimic_labs.npy")), 6);
        double value = model.trainStep(batch, Permutations.random(new SplittableRandom(1)));
        assertEquals(npy(lossFile).getDouble(0), value, 1e-9, "loss of the step");

        // the after-step tensors, read back through the same name mapping into a second model
        MimicModel expected = new MimicModel(MimicNetwork.build(a, loss, new SplittableRandom(0), DataType.DOUBLE),
                a, loss);
        expected.loadTorchState(before, "mimic_state_before.pt");
        Map<String, INDArray> after = StateDicts.read(fixture(afterFile));
        Map<String, INDArray> merged = new LinkedHashMap<>(before);
        after.forEach((k, v) -> merged.put(k, v.castTo(DataType.DOUBLE)));
        expected.loadTorchState(merged, afterFile);
        Map<String, INDArray> got = model.state();
        Map<String, INDArray> want = expected.state();
        MimicModel unstepped = new MimicModel(MimicNetwork.build(a, loss, new SplittableRandom(0), DataType.DOUBLE),
                a, loss);
        unstepped.loadTorchState(before, "mimic_state_before.pt");
        Map<String, INDArray> start = unstepped.state();
        int compared = 0;
        double worst = 0;
        for (String k : got.keySet()) {
            if (want.get(k).equals(start.get(k))) {
                continue; // not among the fixture's after-step tensors
            }
            worst = Math.max(worst, got.get(k).sub(want.get(k)).amaxNumber().doubleValue());
            compared++;
        }
        assertEquals(after.size(), compared, "tensors of the fixture compared");
        return worst;
    }
}
