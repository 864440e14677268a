package org.symile.app.spark;

import java.io.Serializable;

/**
 * One replica's share of one averaging round, as a Spark task receives it: which rows form each of its batches
 * (indices into the training split, which the executor reads itself) and the seed of each batch's negatives.
 *
 * @param worker        the replica's index (its Spark partition)
 * @param batches       row indices of each batch, in step order
 * @param negativeSeeds per batch, the seed of the random stream that draws Symile's O(N) negatives
 */
record RoundTask(int worker, long[][] batches, long[] negativeSeeds) implements Serializable {

    RoundTask {
        if (batches.length != negativeSeeds.length) {
            throw new IllegalArgumentException(batches.length + " batches but " + negativeSeeds.length + " seeds");
        }
    }

    /** Rows over all of the task's batches. */
    long rows() {
        long n = 0;
        for (long[] b : batches) {
            n += b.length;
        }
        return n;
    }
}
