package org.symile.samediff;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Row ranges of arrays, as views, correct for arrays that are themselves views.
 *
 * <p>ND4J 1.0.0-M2.1's {@code get(interval(from, to), all(), ...)} on a view compares the new offset with the
 * view's own length rather than its buffer's: rows whose offset lies past {@code view.length()} come back as an
 * empty rank-0 array (a [28, 512] column block of a [28, 1536] array: rows 26..27 and 20..26 are empty, rows 0..4
 * are right; a 10-row slice starting at row 2 of a [28, 512] array: rows 8..9 are empty). Chunked loops over a
 * representation block of the output layer's input or over a micro-batch of a batch hit exactly that case, so
 * every row range in this project goes through {@link #range}.
 */
public final class Rows {
    private Rows() {
    }

    /**
     * Rows {@code from} (inclusive) to {@code to} (exclusive) of {@code a}, any rank ≥ 1, as a view sharing its
     * buffer: [N, ...] -> [to − from, ...].
     *
     * @throws IllegalArgumentException when the range is empty or outside [0, N)
     */
    public static INDArray range(INDArray a, long from, long to) {
        if (a.rank() < 1 || from < 0 || to > a.size(0) || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of an array of shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        if (from == 0 && to == a.size(0)) {
            return a;
        }
        if (!a.isView()) {
            INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
            idx[0] = NDArrayIndex.interval(from, to);
            for (int i = 1; i < idx.length; i++) {
                idx[i] = NDArrayIndex.all();
            }
            return a.get(idx);
        }
        long[] shape = a.shape().clone();
        shape[0] = to - from;
        return Nd4j.create(a.data(), shape, a.stride(), a.offset() + from * a.stride(0), a.ordering());
    }
}
