package org.symile.app.train;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.random.RandomGenerator;
import org.symile.data.TensorBatchIterator;

/** A {@link BatchSource} over tensors, read through symile-data's {@link TensorBatchIterator}. */
public final class IteratorBatches implements BatchSource {
    private final List<TensorBatchIterator.Input> inputs;
    private final int batchSize;
    private final boolean dropLast;
    private final long rows;
    private final int batches;

    public IteratorBatches(List<TensorBatchIterator.Input> inputs, int batchSize, boolean dropLast) {
        TensorBatchIterator probe = new TensorBatchIterator(inputs, batchSize, dropLast, null);
        this.inputs = List.copyOf(inputs);
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.rows = probe.rows();
        this.batches = probe.batchCount();
    }

    /** Batches over in-memory arrays (name -> [N, k]). */
    public static IteratorBatches of(java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> arrays,
                                     int batchSize, boolean dropLast) {
        List<TensorBatchIterator.Input> in = new java.util.ArrayList<>();
        arrays.forEach((k, v) -> in.add(new TensorBatchIterator.Input(k, new org.symile.data.ArrayTensor(k, v),
                null)));
        return new IteratorBatches(in, batchSize, dropLast);
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int batchCount() {
        return batches;
    }

    @Override
    public Batch batchOf(long[] rowIndices) {
        return new Batch(TensorBatchIterator.read(inputs, rowIndices), rowIndices.length);
    }

    @Override
    public Iterator<Batch> epoch(RandomGenerator shuffle) {
        TensorBatchIterator it = new TensorBatchIterator(inputs, batchSize, dropLast, shuffle);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Batch next() {
                if (!it.hasNext()) {
                    throw new NoSuchElementException();
                }
                var arrays = it.nextBatch();
                return new Batch(arrays, (int) arrays.values().iterator().next().size(0));
            }
        };
    }
}
