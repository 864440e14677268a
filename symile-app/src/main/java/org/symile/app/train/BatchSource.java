package org.symile.app.train;

import java.util.Iterator;
import java.util.random.RandomGenerator;

/** Where a trainer's minibatches come from: a fixed set of rows cut into batches each epoch. */
public interface BatchSource {

    /** Rows per epoch before batching. */
    long rows();

    /** Number of batches one epoch yields. */
    int batchCount();

    /**
     * The batches of one epoch.
     *
     * @param shuffle order of the rows is drawn from it; null keeps the stored order
     */
    Iterator<Batch> epoch(RandomGenerator shuffle);

    /**
     * One batch of the given rows, in that order, read where the rows are stored (a data-parallel worker's share of
     * an epoch: its rows of the order {@code TensorBatchIterator.shuffledOrder} draws).
     *
     * @param rows row indices in [0, {@link #rows()})
     */
    Batch batchOf(long[] rows);
}
