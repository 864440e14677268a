package org.symile.samediff;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Row-major [B, B] double arrays as {@link TriadClosedForm} keeps them between its GEMMs: tiled transposes, and
 * bulk copies to and from C-order FLOAT or DOUBLE scratch arrays (one buffer call, not an element at a time); and
 * the two whole-matrix touches {@link ClipClosedForm}'s label smoothing needs on such scratch arrays.
 */
final class SquareArrays {
    /** Tile edge of the transposes, which read one array along rows and write the other along columns. */
    private static final int TILE = 32;

    private SquareArrays() {
    }

    /** dst = srcᵀ. */
    static void transpose(double[] src, double[] dst, int b) {
        for (int i0 = 0; i0 < b; i0 += TILE) {
            for (int j0 = 0; j0 < b; j0 += TILE) {
                for (int i = i0; i < Math.min(b, i0 + TILE); i++) {
                    for (int j = j0; j < Math.min(b, j0 + TILE); j++) {
                        dst[j * b + i] = src[i * b + j];
                    }
                }
            }
        }
    }

    /** dst += srcᵀ. */
    static void addTranspose(double[] src, double[] dst, int b) {
        for (int i0 = 0; i0 < b; i0 += TILE) {
            for (int j0 = 0; j0 < b; j0 += TILE) {
                for (int i = i0; i < Math.min(b, i0 + TILE); i++) {
                    for (int j = j0; j < Math.min(b, j0 + TILE); j++) {
                        dst[j * b + i] += src[i * b + j];
                    }
                }
            }
        }
    }

    /** A C-order array's dst.length values into dst; {@code floats} (at least as long) stages FLOAT values. */
    static void read(INDArray src, double[] dst, float[] floats) {
        if (src.dataType() == DataType.DOUBLE) {
            DoubleBuffer buf = src.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            buf.get((int) src.offset(), dst, 0, dst.length);
            return;
        }
        FloatBuffer buf = src.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        buf.get((int) src.offset(), floats, 0, dst.length);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = floats[i];
        }
    }

    /** Σ_i a_ii of a C-order [B, B] FLOAT or DOUBLE array. */
    static double diagonalSum(INDArray a) {
        int b = (int) a.rows();
        int base = (int) a.offset();
        double sum = 0;
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer buf = a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            for (int i = 0; i < b; i++) {
                sum += buf.get(base + i * (b + 1));
            }
        } else {
            FloatBuffer buf = a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < b; i++) {
                sum += buf.get(base + i * (b + 1));
            }
        }
        return sum;
    }

    /** a += onDiagonal·I − everywhere·11ᵀ, in place, a row at a time, for a C-order [B, B] FLOAT or DOUBLE array. */
    static void addIdentityMinusConstant(INDArray a, double onDiagonal, double everywhere) {
        int b = (int) a.rows();
        int base = (int) a.offset();
        if (a.dataType() == DataType.DOUBLE) {
            DoubleBuffer buf = a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            double[] row = new double[b];
            for (int i = 0; i < b; i++) {
                buf.get(base + i * b, row, 0, b);
                for (int j = 0; j < b; j++) {
                    row[j] -= everywhere;
                }
                row[i] += onDiagonal;
                buf.put(base + i * b, row, 0, b);
            }
            return;
        }
        FloatBuffer buf = a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] row = new float[b];
        float off = (float) everywhere;
        for (int i = 0; i < b; i++) {
            buf.get(base + i * b, row, 0, b);
            for (int j = 0; j < b; j++) {
                row[j] -= off;
            }
            row[i] += (float) onDiagonal;
            buf.put(base + i * b, row, 0, b);
        }
    }

    /** src into a C-order array of src.length elements; {@code floats} stages FLOAT values. */
    static void write(double[] src, INDArray dst, float[] floats) {
        if (dst.dataType() == DataType.DOUBLE) {
            DoubleBuffer buf = dst.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            buf.put((int) dst.offset(), src, 0, src.length);
            return;
        }
        for (int i = 0; i < src.length; i++) {
            floats[i] = (float) src[i];
        }
        FloatBuffer buf = dst.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        buf.put((int) dst.offset(), floats, 0, src.length);
    }
}
