package org.symile.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Minibatches of aligned tensors: each batch reads the same rows of every named tensor straight from its
 * (mapped) source, casts it to the requested type and returns them as the features of a {@link MultiDataSet},
 * in the order given. Rows are visited in order or in a seeded random order that is redrawn at every
 * {@link #reset()}; the last partial batch is kept or dropped. This is the fast path; {@link
 * SplitTensorRecordReader} offers the same data as DataVec records.
 */
public final class TensorBatchIterator implements MultiDataSetIterator {

    /** One input of the batches: a name, its source and the type to deliver (null keeps the stored type). */
    public record Input(String name, TensorSource source, DataType castTo) {
    }

    private final List<Input> inputs;
    private final int batchSize;
    private final boolean dropLast;
    private final RandomGenerator shuffle;
    private final long rows;
    private long[] order;
    private int next;
    private MultiDataSetPreProcessor preProcessor;

    /**
     * @param shuffle null for stored order; otherwise the order of every epoch is drawn from it
     */
    public TensorBatchIterator(List<Input> inputs, int batchSize, boolean dropLast, RandomGenerator shuffle) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no inputs to batch");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        long n = inputs.get(0).source().rows();
        for (Input in : inputs) {
            if (in.source().rows() != n) {
                throw new IllegalArgumentException(in.source().origin() + ": has " + in.source().rows()
                        + " rows but " + inputs.get(0).source().origin() + " has " + n);
            }
        }
        this.inputs = List.copyOf(inputs);
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.shuffle = shuffle;
        this.rows = n;
        reset();
    }

    /** Names of the features, in order. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        for (Input in : inputs) {
            out.add(in.name());
        }
        return out;
    }

    public long rows() {
        return rows;
    }

    /** Batches per epoch. */
    public int batchCount() {
        long full = rows / batchSize;
        return (int) (dropLast || rows % batchSize == 0 ? full : full + 1);
    }

    @Override
    public boolean hasNext() {
        return next < batchCount();
    }

    @Override
    public MultiDataSet next() {
        return next(batchSize);
    }

    @Override
    public MultiDataSet next(int num) {
        Map<String, INDArray> b = nextBatch(num);
        INDArray[] features = b.values().toArray(new INDArray[0]);
        MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet(features, new INDArray[0]);
        if (preProcessor != null) {
            preProcessor.preProcess(mds);
        }
        return mds;
    }

    /** The next batch as name -> array, in input order. */
    public Map<String, INDArray> nextBatch() {
        return nextBatch(batchSize);
    }

    private Map<String, INDArray> nextBatch(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch exhausted; call reset()");
        }
        long from = (long) next * batchSize;
        long to = Math.min(rows, from + num);
        next++;
        if (order == null) {
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (Input in : inputs) {
                out.put(in.name(), cast(in, in.source().readRows(from, to)));
            }
            return out;
        }
        long[] idx = new long[(int) (to - from)];
        System.arraycopy(order, (int) from, idx, 0, idx.length);
        return read(inputs, idx);
    }

    /**
     * The given rows of every input, in that order, as name -> array [rows.length, ...] in input order (each cast
     * as its input says): one batch of any row subset, e.g. a data-parallel worker's share of a shuffled epoch.
     *
     * @throws IllegalArgumentException naming the input when a row is out of range
     */
    public static Map<String, INDArray> read(List<Input> inputs, long[] rows) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Input in : inputs) {
            out.put(in.name(), cast(in, in.source().readRows(rows)));
        }
        return out;
    }

    private static INDArray cast(Input in, INDArray a) {
        if (in.castTo() != null && a.dataType() != in.castTo()) {
            INDArray cast = a.castTo(in.castTo());
            a.close();
            return cast;
        }
        return a;
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    /** Starts a new epoch, drawing a new order when shuffling. */
    @Override
    public void reset() {
        next = 0;
        if (shuffle != null) {
            order = shuffledOrder(rows, shuffle);
        }
    }

    /**
     * The row order of one shuffled epoch, drawn from {@code shuffle} exactly as an iterator's {@link #reset()}
     * draws it (Fisher-Yates from the last row down), so a caller that splits an epoch among workers sees the
     * same order as a single iterator would.
     */
    public static long[] shuffledOrder(long rows, RandomGenerator shuffle) {
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot shuffle more than 2^31 rows");
        }
        long[] order = new long[(int) rows];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A factory for iterators over the same inputs (one per epoch or per evaluation). */
    public static Supplier<TensorBatchIterator> factory(List<Input> inputs, int batchSize, boolean dropLast,
                                                        Supplier<RandomGenerator> shuffle) {
        return () -> new TensorBatchIterator(inputs, batchSize, dropLast, shuffle == null ? null : shuffle.get());
    }
}
