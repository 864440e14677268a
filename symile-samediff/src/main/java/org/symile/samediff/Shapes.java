package org.symile.samediff;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Argument checks for the eager (array) entry points, with messages naming the argument and the shapes seen. */
final class Shapes {
    private Shapes() {
    }

    /** M ≥ 2 floating-point matrices of one type, all [B, d]. */
    static void checkEager(List<INDArray> reps, String what) {
        if (reps == null || reps.size() < 2) {
            throw new IllegalArgumentException(what + ": expected M >= 2 representations, got "
                    + (reps == null ? 0 : reps.size()));
        }
        INDArray first = reps.get(0);
        for (int m = 0; m < reps.size(); m++) {
            INDArray r = reps.get(m);
            if (r == null) {
                throw new IllegalArgumentException(what + ": representation " + m + " is null");
            }
            if (r.rank() != 2) {
                throw new IllegalArgumentException(what + ": representation " + m + " must have shape [B, d], got "
                        + Arrays.toString(r.shape()));
            }
            if (!r.dataType().isFPType() || r.dataType() != first.dataType()) {
                throw new IllegalArgumentException(what + ": representations must share one floating-point type;"
                        + " representation 0 is " + first.dataType() + ", representation " + m + " is "
                        + r.dataType());
            }
            if (r.rows() != first.rows() || r.columns() != first.columns()) {
                throw new IllegalArgumentException(what + ": representations must all be [B, d] with the same B and"
                        + " d; representation 0 is " + Arrays.toString(first.shape()) + " but representation " + m
                        + " is " + Arrays.toString(r.shape()));
            }
        }
    }

    /** A [n, d] matrix with the given width; {@code what} names it. */
    static void checkMatrix(INDArray a, long width, String what) {
        if (a == null || a.rank() != 2 || (width >= 0 && a.columns() != width)) {
            throw new IllegalArgumentException(what + ": expected shape [n, " + (width >= 0 ? width : "d") + "], got "
                    + (a == null ? "null" : Arrays.toString(a.shape())));
        }
        if (!a.dataType().isFPType()) {
            throw new IllegalArgumentException(what + ": expected a floating-point array, got " + a.dataType());
        }
    }

    /** {@code a} itself when its elements are contiguous in C order, else a C-order copy (for BLAS and buffers). */
    static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 ? a : a.dup('c');
    }
}
