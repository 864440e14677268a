package org.symile.app.train;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batches over in-memory matrices ([N, k] each, same N), shuffled by a seeded generator, optionally dropping the
 * last partial batch. Used for data generated in memory (binary XOR) and for small tensors.
 */
public final class TensorBatches implements BatchSource {
    private final Map<String, INDArray> arrays;
    private final int batchSize;
    private final boolean dropLast;
    private final int rows;

    public TensorBatches(Map<String, INDArray> arrays, int batchSize, boolean dropLast) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("no arrays to batch");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.arrays = new LinkedHashMap<>(arrays);
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        long n = -1;
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray a = e.getValue();
            if (a.rank() != 2) {
                throw new IllegalArgumentException("array '" + e.getKey() + "' must be [N, k], got rank " + a.rank());
            }
            if (n >= 0 && a.rows() != n) {
                throw new IllegalArgumentException("array '" + e.getKey() + "' has " + a.rows() + " rows, expected " + n);
            }
            n = a.rows();
        }
        this.rows = Math.toIntExact(n);
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int batchCount() {
        return dropLast ? rows / batchSize : (rows + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<Batch> epoch(RandomGenerator shuffle) {
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        if (shuffle != null) {
            for (int i = rows - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int count = batchCount();
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < count;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int from = next * batchSize;
                int to = Math.min(rows, from + batchSize);
                next++;
                int[] idx = java.util.Arrays.copyOfRange(order, from, to);
                Map<String, INDArray> out = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                    out.put(e.getKey(), Nd4j.pullRows(e.getValue(), 1, idx));
                }
                return new Batch(out, to - from);
            }
        };
    }
}
