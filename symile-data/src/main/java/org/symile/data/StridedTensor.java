package org.symile.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tensor laid out in a mapped file region with arbitrary element strides (C order, Fortran order, or a torch
 * view's strides) and either byte order. C-contiguous little-endian data is copied with one bulk copy per read;
 * everything else goes through an index walk that honours the strides, so views and Fortran-ordered arrays come
 * out with the right values.
 */
final class StridedTensor implements TensorSource {
    private final String origin;
    private final MappedRegion region;
    private final boolean ownsRegion;
    private final ElementType type;
    private final boolean littleEndian;
    private final long offset;
    private final long[] shape;
    private final long[] strides;

    StridedTensor(String origin, MappedRegion region, boolean ownsRegion, ElementType type, boolean littleEndian,
                  long offset, long[] shape, long[] strides) {
        this.origin = origin;
        this.region = region;
        this.ownsRegion = ownsRegion;
        this.type = type;
        this.littleEndian = littleEndian;
        this.offset = offset;
        this.shape = shape.clone();
        this.strides = strides.clone();
        long max = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || strides[i] < 0) {
                throw new IllegalArgumentException(origin + ": negative size or stride in shape "
                        + Arrays.toString(shape) + ", strides " + Arrays.toString(strides));
            }
            if (shape[i] == 0) {
                max = -1;
                break;
            }
            max += (shape[i] - 1) * strides[i];
        }
        if (max >= 0 && (max + 1) * type.width() > region.length()) {
            throw new IllegalArgumentException(origin + ": shape " + Arrays.toString(shape) + " needs "
                    + (max + 1) * type.width() + " bytes of data but only " + region.length() + " are stored");
        }
    }

    /** C-order (row-major) strides of a shape. */
    static long[] cStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Fortran-order (column-major) strides of a shape. */
    static long[] fStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = 0; i < shape.length; i++) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public ElementType elementType() {
        return type;
    }

    @Override
    public INDArray readRows(long from, long to) {
        long rows = rows();
        if (from < 0 || to < from || to > rows) {
            throw new IndexOutOfBoundsException(origin + ": rows [" + from + ", " + to + ") outside 0.." + rows);
        }
        long[] outShape = shape.length == 0 ? new long[] {1} : shape.clone();
        outShape[0] = to - from;
        long count = 1;
        for (long s : outShape) {
            count *= s;
        }
        if (count == 0) {
            return Nd4j.create(type.dataType(), outShape);
        }
        INDArray out = Nd4j.createUninitialized(type.dataType(), outShape);
        ByteBuffer dst = out.data().asNio().order(ByteOrder.nativeOrder());
        dst.position(0).limit((int) Math.min(Integer.MAX_VALUE, count * type.width()));
        if (count * type.width() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(origin + ": a read of " + count + " elements exceeds 2 GiB; read fewer"
                    + " rows at a time");
        }
        long rowStride = shape.length == 0 ? 0 : strides[0];
        if (Arrays.equals(strides, cStrides(shape)) || shape.length == 0) {
            region.copy((offset + from * rowStride) * type.width(), dst);
        } else {
            gather(from, outShape, dst);
        }
        if (!littleEndian && type.width() > 1) {
            swap(dst, type.width());
        }
        return out;
    }

    @Override
    public INDArray readRows(long[] indices) {
        if (shape.length == 0 || !Arrays.equals(strides, cStrides(shape)) || !littleEndian) {
            return TensorSource.super.readRows(indices);
        }
        long[] outShape = shape.clone();
        outShape[0] = indices.length;
        long rowElems = 1;
        for (int i = 1; i < shape.length; i++) {
            rowElems *= shape[i];
        }
        if (indices.length == 0 || rowElems == 0) {
            return Nd4j.create(type.dataType(), outShape);
        }
        long rowBytes = rowElems * type.width();
        if (rowBytes * indices.length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(origin + ": a read of " + indices.length + " rows exceeds 2 GiB");
        }
        INDArray out = Nd4j.createUninitialized(type.dataType(), outShape);
        ByteBuffer dst = out.data().asNio().order(ByteOrder.nativeOrder());
        // visit the rows in file order (better locality), each written to its place in the batch
        Integer[] order = new Integer[indices.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(indices[a], indices[b]));
        for (int i : order) {
            long r = indices[i];
            if (r < 0 || r >= shape[0]) {
                throw new IndexOutOfBoundsException(origin + ": row " + r + " outside 0.." + shape[0]);
            }
            ByteBuffer part = dst.duplicate();
            part.position((int) (i * rowBytes)).limit((int) ((i + 1) * rowBytes));
            region.copy((offset + r * strides[0]) * type.width(), part);
        }
        return out;
    }

    /** Walks the output in C order and fetches each source element through the strides. */
    private void gather(long from, long[] outShape, ByteBuffer dst) {
        int rank = outShape.length;
        int w = type.width();
        long[] idx = new long[rank];
        long innerStride = strides[rank - 1];
        long inner = outShape[rank - 1];
        ByteBuffer one = ByteBuffer.allocate(w);
        long outer = 1;
        for (int i = 0; i < rank - 1; i++) {
            outer *= outShape[i];
        }
        for (long o = 0; o < outer; o++) {
            long base = offset + (from + idx[0]) * strides[0];
            for (int i = 1; i < rank - 1; i++) {
                base += idx[i] * strides[i];
            }
            if (rank == 1) {
                base = offset + from * strides[0];
            }
            if (innerStride == 1 && rank > 1) {
                ByteBuffer part = dst.slice();
                part.limit((int) (inner * w));
                region.copy(base * w, part);
                dst.position(dst.position() + (int) (inner * w));
            } else {
                for (long j = 0; j < inner; j++) {
                    one.clear();
                    region.copy((base + j * innerStride) * w, one);
                    one.flip();
                    dst.put(one);
                }
            }
            for (int i = rank - 2; i >= 0; i--) {
                if (++idx[i] < outShape[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
    }

    private static void swap(ByteBuffer b, int w) {
        int n = b.limit();
        for (int p = 0; p < n; p += w) {
            for (int i = 0, j = w - 1; i < j; i++, j--) {
                byte t = b.get(p + i);
                b.put(p + i, b.get(p + j));
                b.put(p + j, t);
            }
        }
    }

    @Override
    public void close() {
        if (ownsRegion) {
            try {
                region.close();
            } catch (IOException e) {
                // read-only mapping; nothing to flush
            }
        }
    }

    @Override
    public String toString() {
        return origin + " " + type.numpyName() + Arrays.toString(shape);
    }
}
