package org.symile.data;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tensor stored in a file, read on demand: rows [from, to) along the first dimension come back as a C-order
 * INDArray without loading the rest of the file.
 */
public interface TensorSource extends AutoCloseable {

    /** Where the tensor lives, for messages (a file, or an entry of a file). */
    String origin();

    /** Full shape; the first dimension is the row count (a 0-d tensor has shape []). */
    long[] shape();

    ElementType elementType();

    /** Rows along the first dimension. */
    default long rows() {
        long[] s = shape();
        return s.length == 0 ? 1 : s[0];
    }

    /** Shape of one row (the shape without its first dimension). */
    default long[] rowShape() {
        long[] s = shape();
        return s.length == 0 ? new long[0] : Arrays.copyOfRange(s, 1, s.length);
    }

    /** Rows [from, to) as an array of shape [to - from, rowShape...] in {@link ElementType#dataType()}. */
    INDArray readRows(long from, long to);

    /**
     * The rows at {@code indices} (any order, repeats allowed), stacked: [indices.length, rowShape...]. Used for
     * shuffled batches.
     */
    default INDArray readRows(long[] indices) {
        if (indices.length == 0) {
            long[] s = shape().clone();
            s[0] = 0;
            return org.nd4j.linalg.factory.Nd4j.create(elementType().dataType(), s);
        }
        INDArray[] rows = new INDArray[indices.length];
        for (int i = 0; i < indices.length; i++) {
            rows[i] = readRows(indices[i], indices[i] + 1);
        }
        return org.nd4j.linalg.factory.Nd4j.concat(0, rows);
    }

    /** The whole tensor. */
    default INDArray read() {
        if (shape().length == 0) {
            return readRows(0, 1).reshape();
        }
        return readRows(0, rows());
    }

    @Override
    void close();
}
