package org.symile.app.spec;

/**
 * The training loop's settings (upstream's Lightning {@code Trainer} and data loaders): {@code --epochs},
 * {@code --check_val_every_n_epoch}, {@code --limit_train_batches}, {@code --limit_val_batches}, the three batch
 * sizes and {@code --drop_last} (training batches only; validation and test batches never drop rows here except
 * where upstream hard-codes it, binary_xor), and {@code --micro_batch_sz}: the rows encoded at once in a
 * gradient-cached step (0: the whole batch at once, a plain step), the batch staying the contrastive batch.
 */
public record TrainerSpec(int epochs, int checkValEveryNEpoch, double limitTrainBatches, double limitValBatches,
                          int batchSzTrain, int batchSzVal, int batchSzTest, boolean dropLast, int microBatchSz) {

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public TrainerSpec {
        positive("--epochs", epochs);
        positive("--check_val_every_n_epoch", checkValEveryNEpoch);
        positive("--batch_sz_train", batchSzTrain);
        positive("--batch_sz_val", batchSzVal);
        positive("--batch_sz_test", batchSzTest);
        checkLimit("--limit_train_batches", limitTrainBatches);
        checkLimit("--limit_val_batches", limitValBatches);
        if (microBatchSz < 0) {
            throw new IllegalArgumentException("--micro_batch_sz: expected 0 (off) or a positive number of rows, got "
                    + microBatchSz);
        }
        if (microBatchSz > batchSzTrain) {
            throw new IllegalArgumentException("--micro_batch_sz " + microBatchSz + ": more rows than the batch it"
                    + " encodes (--batch_sz_train " + batchSzTrain + "); give at most " + batchSzTrain);
        }
    }

    /** Settings without micro-batches (plain steps). */
    public TrainerSpec(int epochs, int checkValEveryNEpoch, double limitTrainBatches, double limitValBatches,
                       int batchSzTrain, int batchSzVal, int batchSzTest, boolean dropLast) {
        this(epochs, checkValEveryNEpoch, limitTrainBatches, limitValBatches, batchSzTrain, batchSzVal, batchSzTest,
                dropLast, 0);
    }

    /** Batches to use of {@code total} under a Lightning-style limit (fraction ≤ 1 or whole count > 1). */
    public static int limit(int total, double limit) {
        if (limit > 1) {
            return (int) Math.min(total, (long) limit);
        }
        if (limit == 0) {
            return 0;
        }
        return Math.max(1, (int) Math.floor(total * limit));
    }

    static void positive(String flag, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(flag + ": expected a positive integer, got " + v);
        }
    }

    private static void checkLimit(String flag, double v) {
        if (!(v >= 0) || !Double.isFinite(v) || (v > 1 && v != Math.rint(v))) {
            throw new IllegalArgumentException(flag + ": expected a fraction in [0, 1] or a whole number of batches,"
                    + " got " + v);
        }
    }
}
