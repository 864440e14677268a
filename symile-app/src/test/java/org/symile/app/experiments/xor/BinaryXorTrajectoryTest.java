package org.symile.app.experiments.xor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.RngStream;
import org.symile.data.NpyFile;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;

/**
 * The binary_xor model trained for 20 AdamW steps matches PyTorch step by step, given the same data, initial
 * weights and negatives (xorfixtures/, made by make_xor_trajectory.py): model, L2 normalisation, Symile O(N) loss,
 * its gradients and the optimizer together, not only each on its own.
 */
class BinaryXorTrajectoryTest {
    private static final int STEPS = 20;
    private static final int BATCH = 100;

    private static INDArray fixture(String name) throws Exception {
        Path p = Path.of(BinaryXorTrajectoryTest.class.getResource("/xorfixtures/" + name).toURI());
        return NpyFile.open(p).read();
    }

    /** Steps through {@link BinaryXorModel#trainStep}, the production path: feed, gradients, AdamW. */
    @Test
    void twentyStepsMatchPyTorch() throws Exception {
        BinaryXorModel model = new BinaryXorModel(5, 16, new LossSpec(LossFn.SYMILE, NegativeSampling.N, false, -0.3,
                false), new RngStream(1));
        model.useOptimizer(OptimizerSpec.of(0.1, 0.01));
        var sd = model.graph();
        for (String m : List.of("a", "b", "c")) {
            INDArray w = sd.getVariable("f_" + m + "_W").getArr();
            INDArray b = sd.getVariable("f_" + m + "_b").getArr();
            w.assign(fixture("W_" + m + ".npy"));
            b.assign(fixture("b_" + m + ".npy").reshape(b.shape()));
        }
        Map<String, INDArray> data = Map.of("a", fixture("a.npy"), "b", fixture("b.npy"), "c", fixture("c.npy"));
        INDArray perms = fixture("perms.npy").castTo(DataType.INT);
        double[] torchLosses = fixture("losses.npy").toDoubleVector();
        double worst = 0;
        for (int s = 0; s < STEPS; s++) {
            final int step = s;
            Permutations p = (anchor, k, n) -> perms.get(NDArrayIndex.point(step), NDArrayIndex.point(anchor),
                    NDArrayIndex.point(k), NDArrayIndex.all()).toIntVector();
            long lo = (long) (s % 10) * BATCH;
            Map<String, INDArray> in = new LinkedHashMap<>();
            data.forEach((k, v) -> in.put(k, v.get(NDArrayIndex.interval(lo, lo + BATCH), NDArrayIndex.all()).dup()));
            double loss = model.trainStep(new Batch(in, BATCH), p);
            worst = Math.max(worst, Math.abs(loss - torchLosses[s]));
        }
        assertEquals(STEPS, model.optimizerSteps());
        assertTrue(worst < 1e-4, "largest loss difference to PyTorch over 20 steps: " + worst);
        assertTrue(torchLosses[STEPS - 1] < torchLosses[0] - 0.5, "the fixture trains");
        double maxW = sd.getVariable("f_a_W").getArr().sub(fixture("final_W_a.npy")).amaxNumber().doubleValue();
        assertTrue(maxW < 1e-4, "f_a weights after 20 steps differ from PyTorch's by " + maxW);
        assertEquals(fixture("final_ls.npy").getDouble(0), sd.getVariable("logit_scale").getArr().getDouble(0), 1e-4);
    }
}
