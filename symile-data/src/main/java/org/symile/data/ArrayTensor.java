package org.symile.data;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** An in-memory array seen as a {@link TensorSource} (generated data, small tensors). */
public final class ArrayTensor implements TensorSource {
    private final String origin;
    private final INDArray array;
    private final ElementType type;

    public ArrayTensor(String origin, INDArray array) {
        if (array.rank() < 1) {
            throw new IllegalArgumentException(origin + ": expected at least one dimension, got a scalar");
        }
        this.origin = origin;
        this.array = array;
        this.type = Arrays.stream(ElementType.values()).filter(t -> t.dataType() == array.dataType()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(origin + ": unsupported type " + array.dataType()));
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public long[] shape() {
        return array.shape();
    }

    @Override
    public ElementType elementType() {
        return type;
    }

    @Override
    public INDArray readRows(long from, long to) {
        if (from < 0 || to < from || to > array.size(0)) {
            throw new IndexOutOfBoundsException(origin + ": rows [" + from + ", " + to + ") outside 0.."
                    + array.size(0));
        }
        org.nd4j.linalg.indexing.INDArrayIndex[] idx = new org.nd4j.linalg.indexing.INDArrayIndex[array.rank()];
        idx[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < idx.length; i++) {
            idx[i] = NDArrayIndex.all();
        }
        return array.get(idx).dup('c');
    }

    @Override
    public INDArray readRows(long[] indices) {
        if (array.rank() == 2) {
            int[] idx = new int[indices.length];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = Math.toIntExact(indices[i]);
            }
            return indices.length == 0 ? Nd4j.create(array.dataType(), 0, array.size(1))
                    : Nd4j.pullRows(array, 1, idx);
        }
        return TensorSource.super.readRows(indices);
    }

    @Override
    public void close() {
        // nothing to release
    }
}
