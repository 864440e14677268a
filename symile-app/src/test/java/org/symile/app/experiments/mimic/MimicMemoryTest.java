package org.symile.app.experiments.mimic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.memory.StepMemory;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.AddReluVertex;

/** The step-memory estimate counts exactly the activations a training pass keeps, and Symile's B² term. */
class MimicMemoryTest {
    private static final MimicArchitecture ARCH = new MimicArchitecture(new long[] {3, 32, 32},
            new long[] {1, 64, 12}, 16, 8);

    private static MimicModel model(LossFn fn, NegativeSampling ns) {
        return new MimicModel(ARCH, new LossSpec(fn, ns, false, -1.0, false), new SplittableRandom(0));
    }

    private static Batch batch(int b) {
        return new Batch(Map.of("cxr", Nd4j.randn(DataType.FLOAT, b, 3, 32, 32), "ecg",
                Nd4j.randn(DataType.FLOAT, b, 1, 64, 12), "labs", Nd4j.rand(DataType.FLOAT, b, 100)), b);
    }

    @Test
    void perRowTermIsTheKeptActivationsTimesTheMeasuredOverhead() {
        MimicModel m = model(LossFn.SYMILE, NegativeSampling.N_SQUARED);
        StepMemory s = m.stepMemory().orElseThrow();
        // two rows: batch norm in training needs more than one value per channel at the 1x1 layer4 maps
        Batch two = batch(2);
        Map<String, INDArray> acts = m.graph().feedForward(new INDArray[] {two.get("cxr"), two.get("ecg"),
                two.get("labs")}, true, false);
        Map<String, GraphVertex> vertices = m.graph().getConfiguration().getVertices();
        long elements = 0;
        int overwritten = 0;
        for (Map.Entry<String, INDArray> e : acts.entrySet()) {
            if (vertices.get(e.getKey()) instanceof AddReluVertex v && v.isOverwriteFirstInput()) {
                overwritten++;
            } else {
                elements += e.getValue().length() / 2;
            }
        }
        assertEquals(16 + 8, overwritten, "every residual sum of both ResNets writes over its input");
        assertEquals((long) (elements * 4 * StepMemory.ACTIVATION_OVERHEAD), s.perRowBytes(), 4);
        assertEquals(StepMemory.N_SQUARED_PRODUCTS * 16 * 4, s.perRowSquaredBytes());
        assertEquals(m.graph().numParams() * 4, s.fixedBytes(), "the gradient vector is not allocated yet");
        m.useOptimizer(OptimizerSpec.of(1e-3, 0.0));
        m.trainStep(batch(4), Permutations.random(new SplittableRandom(1)));
        assertEquals(0, m.stepMemory().orElseThrow().fixedBytes());
        assertTrue(s.bytes(64) > s.bytes(32) && s.bytes(32) > s.bytes(1));
    }

    @Test
    void onlySymileWithSquaredNegativesHasTheQuadraticTerm() {
        assertEquals(0, model(LossFn.SYMILE, NegativeSampling.N).stepMemory().orElseThrow().perRowSquaredBytes());
        assertEquals(0, model(LossFn.CLIP, NegativeSampling.N).stepMemory().orElseThrow()
                .perRowSquaredBytes());
    }
}
