package org.symile.app.train.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.samediff.AdamW;

/** The flattened AdamW equals the per-tensor one bit for bit, leaves masked elements alone, and resumes exactly. */
class FlatAdamWTest {
    private static final OptimizerSpec SPEC = OptimizerSpec.of(1e-2, 0.1);

    /** A flat [1, 26] vector holding a c-ordered [3, 4], an untrained [4] and an f-ordered [2, 5] tensor. */
    private static Map<String, INDArray> views(INDArray flat) {
        Map<String, INDArray> v = new LinkedHashMap<>();
        v.put("a", flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 12)).reshape('c', 3, 4));
        v.put("b", flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(16, 26)).reshape('f', 2, 5));
        return v;
    }

    @Test
    void equalsPerTensorAdamWExactlyAndSkipsUntrainedElements() {
        Nd4j.getRandom().setSeed(3);
        INDArray flat = Nd4j.randn(DataType.FLOAT, 1, 26);
        INDArray untrainedBefore = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(12, 16)).dup();
        Map<String, INDArray> reference = new LinkedHashMap<>();
        views(flat).forEach((k, a) -> reference.put(k, a.dup(a.ordering())));
        FlatAdamW flatOpt = new FlatAdamW(SPEC, flat, views(flat));
        AdamW perTensor = new AdamW(SPEC);
        for (int step = 0; step < 4; step++) {
            INDArray grads = Nd4j.randn(DataType.FLOAT, 1, 26).muli(5);
            Map<String, INDArray> g = new LinkedHashMap<>();
            views(grads).forEach((k, a) -> g.put(k, a.dup(a.ordering()).divi(7)));
            perTensor.step(reference, g);
            flatOpt.step(grads, 7);
        }
        views(flat).forEach((k, a) -> assertEquals(reference.get(k), a, k));
        assertEquals(untrainedBefore, flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(12, 16)));
        assertEquals(perTensor.state(), flatOpt.state());
        assertEquals(4, flatOpt.steps());
    }

    @Test
    void restoredStateContinuesIdentically() {
        Nd4j.getRandom().setSeed(4);
        INDArray flat = Nd4j.randn(DataType.FLOAT, 1, 26);
        FlatAdamW first = new FlatAdamW(SPEC, flat, views(flat));
        assertEquals(Map.of(), first.state());
        first.step(Nd4j.randn(DataType.FLOAT, 1, 26), 3);
        first.step(Nd4j.randn(DataType.FLOAT, 1, 26), 3);
        INDArray copy = flat.dup();
        FlatAdamW resumed = new FlatAdamW(SPEC, copy, views(copy));
        resumed.restore(first.state(), first.steps());
        INDArray g = Nd4j.randn(DataType.FLOAT, 1, 26);
        first.step(g.dup(), 3);
        resumed.step(g.dup(), 3);
        assertEquals(flat, copy);
    }

    @Test
    void refusesTensorsThatAreNotSegmentsOfTheVector() {
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, 12);
        INDArray strided = flat.reshape(3, 4).get(NDArrayIndex.all(), NDArrayIndex.point(1));
        INDArray elsewhere = Nd4j.zeros(DataType.FLOAT, 4);
        assertThrows(IllegalStateException.class, () -> new FlatAdamW(SPEC, flat, Map.of("s", strided)));
        assertThrows(IllegalStateException.class, () -> new FlatAdamW(SPEC, flat, Map.of("e", elsewhere)));
    }
}
