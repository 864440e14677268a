package org.symile.app.train.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.nn.Linear;

/**
 * Freeing a step's intermediates as the graph runs ({@link ReleasingMemory}) must not change a single bit of
 * training: the same model trained with the workspace and with release gives identical losses and parameters,
 * through ops whose outputs are views of their inputs (reshape, permute) and inputs read by several ops.
 */
class ReleasingMemoryTest {
    private static final int B = 24;

    /** Three encoders; b's output goes through views, c's input feeds two ops. */
    private static final class Model extends SameDiffModel {
        private final boolean workspace;

        Model(boolean workspace) {
            this.workspace = workspace;
            SplittableRandom init = new SplittableRandom(7);
            SDVariable a = sd.placeHolder("a", DataType.FLOAT, -1, 5);
            SDVariable b = sd.placeHolder("b", DataType.FLOAT, -1, 5);
            SDVariable c = sd.placeHolder("c", DataType.FLOAT, -1, 5);
            SDVariable ra = sd.math.tanh(Linear.create(sd, "fa", 5, 8, true, init, DataType.FLOAT).apply(sd, a));
            SDVariable hb = Linear.create(sd, "fb", 5, 8, true, init, DataType.FLOAT).apply(sd, b);
            SDVariable rb = sd.reshape(sd.permute(sd.reshape(hb, -1, 2, 4), 0, 2, 1), -1, 8).mul(hb);
            SDVariable hc = Linear.create(sd, "fc", 5, 8, true, init, DataType.FLOAT).apply(sd, c);
            SDVariable rc = hc.mul(hc).add(sd.math.sin(hc)).add(c.sum(true, 1));
            LogitScale scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, -0.3, false, DataType.FLOAT);
            finish(List.of(ra, rb, rc), 8, scale, new LossSpec(LossFn.SYMILE, NegativeSampling.N, false, -0.3,
                    false), LossForm.GRAPH);
        }

        @Override
        protected List<String> modalities() {
            return List.of("a", "b", "c");
        }

        @Override
        protected boolean stepWorkspace() {
            return workspace;
        }

        @Override
        protected Map<String, INDArray> placeholders(Batch batch, Feed feed) {
            return Map.of("a", batch.get("a"), "b", batch.get("b"), "c", batch.get("c"));
        }
    }

    @Test
    void releasingTrainsBitForBitLikeTheWorkspace() {
        Model kept = new Model(true);
        Model released = new Model(false);
        kept.useOptimizer(OptimizerSpec.of(0.05, 0.01));
        released.useOptimizer(OptimizerSpec.of(0.05, 0.01));
        Permutations pk = Permutations.random(new SplittableRandom(3));
        Permutations pr = Permutations.random(new SplittableRandom(3));
        Nd4j.getRandom().setSeed(11);
        for (int step = 0; step < 4; step++) {
            Batch batch = new Batch(Map.of("a", Nd4j.randn(DataType.FLOAT, B, 5), "b", Nd4j.randn(DataType.FLOAT, B, 5),
                    "c", Nd4j.randn(DataType.FLOAT, B, 5)), B);
            double lk = kept.trainStep(batch, pk);
            double lr = released.trainStep(batch, pr);
            assertEquals(lk, lr, 0.0, "loss at step " + step);
            assertTrue(released.releasedBytes() > 0, "the step freed nothing");
        }
        Map<String, INDArray> sk = kept.state();
        Map<String, INDArray> sr = released.state();
        assertEquals(sk.keySet(), sr.keySet());
        for (String k : sk.keySet()) {
            assertArrayEquals(sk.get(k).reshape(-1).toFloatVector(), sr.get(k).reshape(-1).toFloatVector(), 0f, k);
        }
        // evaluation after release-mode training still sees valid parameters and inputs
        Batch probe = new Batch(Map.of("a", Nd4j.ones(DataType.FLOAT, 2, 5), "b", Nd4j.ones(DataType.FLOAT, 2, 5),
                "c", Nd4j.ones(DataType.FLOAT, 2, 5)), 2);
        assertEquals(kept.evalLoss(probe, Permutations.random(new SplittableRandom(5))),
                released.evalLoss(probe, Permutations.random(new SplittableRandom(5))), 0.0);
    }
}
