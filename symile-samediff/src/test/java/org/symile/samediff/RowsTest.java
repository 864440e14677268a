package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class RowsTest {

    @Test
    void rowRangesOfViewsHoldTheirRows() {
        INDArray merged = Nd4j.arange(28 * 12).castTo(DataType.DOUBLE).reshape(28, 12);
        INDArray columns = merged.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 8));
        INDArray rows = merged.get(NDArrayIndex.interval(2, 12), NDArrayIndex.all());
        INDArray copy = columns.dup();
        for (long[] r : new long[][] {{26, 28}, {20, 27}, {0, 5}, {27, 28}}) {
            INDArray got = Rows.range(columns, r[0], r[1]);
            assertArrayEquals(new long[] {r[1] - r[0], 4}, got.shape());
            assertEquals(copy.get(NDArrayIndex.interval(r[0], r[1]), NDArrayIndex.all()), got);
        }
        assertEquals(rows.dup().get(NDArrayIndex.interval(8, 10), NDArrayIndex.all()), Rows.range(rows, 8, 10));
        // a view: writes reach the original
        Rows.range(columns, 27, 28).assign(-1);
        assertEquals(-1.0, merged.getDouble(27, 4));
        assertEquals(-1.0, merged.getDouble(27, 7));
        assertEquals(27 * 12 + 8, merged.getDouble(27, 8));
    }

    @Test
    void higherRanksAndWholeRanges() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 6, 2, 3, 3);
        INDArray view = a.get(NDArrayIndex.interval(1, 6), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        assertEquals(a.get(NDArrayIndex.interval(4, 6), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()),
                Rows.range(view, 3, 5));
        assertEquals(a, Rows.range(a, 0, 6));
        assertThrows(IllegalArgumentException.class, () -> Rows.range(a, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> Rows.range(a, 0, 7));
    }

    @Test
    void leanLossOverColumnBlocksOfOneInputMatchesItsCopies() {
        // the output layer hands the lean loss column blocks of its [B, M*d] input; chunks of 3 rows end past the
        // blocks' own lengths
        INDArray merged = Nd4j.rand(DataType.DOUBLE, 28, 3 * 16).subi(0.5);
        List<INDArray> views = new ArrayList<>();
        List<INDArray> copies = new ArrayList<>();
        for (int m = 0; m < 3; m++) {
            INDArray v = merged.get(NDArrayIndex.all(), NDArrayIndex.interval(m * 16, (m + 1) * 16));
            views.add(v);
            copies.add(v.dup());
        }
        SymileNSquaredLean lean = new SymileNSquaredLean(3 * 28 * (16 + 28));
        LossGradients a = lean.compute(views, 0.7);
        LossGradients b = lean.compute(copies, 0.7);
        LossGradients whole = new SymileNSquaredLean(1L << 40).compute(copies, 0.7);
        assertEquals(whole.loss(), a.loss(), 1e-12);
        assertEquals(b.loss(), a.loss(), 1e-12);
        for (int m = 0; m < 3; m++) {
            assertEquals(0, whole.gradients().get(m).sub(a.gradients().get(m)).amaxNumber().doubleValue(), 1e-12);
        }
    }
}
