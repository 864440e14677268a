package org.symile.app.memory;

import java.util.Locale;

/**
 * An estimate of the resident memory a training step adds to the process as it is before training starts (model
 * and optimizer already allocated), for a batch of B rows encoded N at a time:
 * <pre>
 *   plain step (N = B):        fixed + perRow·B + perRowSquared·B²
 *   gradient-cached (N &lt; B):  fixed + cachedFixed + perRow·N + cachedPerRow·B + cachedPerRowSquared·B²
 * </pre>
 * perRow is what encoding one row keeps for back-propagation; the B² term of a plain step is Symile's O(N²)
 * negatives, whose [B², d] products the loss graph materialises; a cached step keeps the batch's representations
 * and their gradients instead and computes its loss eagerly, with [B, B] arrays at most. {@link #ofTraining} is the
 * estimate itself; {@link #requireFits} the refusal of a batch that would not fit the {@link MemoryBudget}.
 *
 * @param fixedBytes                independent of the batch (e.g. the gradient vector, allocated at the first step)
 * @param perRowBytes               per encoded row: kept activations, their gradients, the kernels' scratch buffers
 * @param perRowSquaredBytes        plain step, per pair of rows
 * @param cachedFixedBytes          cached step, besides {@code fixedBytes}: the micro-batches' gradients and sum
 * @param cachedPerRowBytes         cached step, per row of the whole batch: representations, their gradients, the
 *                                  eager loss's scratch
 * @param cachedPerRowSquaredBytes  cached step, per pair of rows: the eager loss's [B, B] arrays
 * @param minMicroRows              the smallest micro-batch the network trains (2 with batch statistics, else 1)
 */
public record StepMemory(long fixedBytes, long perRowBytes, long perRowSquaredBytes, long cachedFixedBytes,
                         long cachedPerRowBytes, long cachedPerRowSquaredBytes, int minMicroRows) {
    /**
     * Resident memory of a step over what the model already holds, relative to the activations kept for backprop:
     * their gradients, oneDNN's reorder and scratch buffers and the allocator's slack. Measured on full-size
     * Symile-MIMIC steps (B 8, 16 and 28; README, "Measured results"): since the ResNets free each sole-consumer
     * activation once its reader's backprop ran, a row adds 211–232 MiB for ~204 MiB of kept activations (211
     * since the residual sums also free downsample outputs), which this reproduces within ~10–20%, erring high (it
     * was 1.6 while every activation lived to the end of backprop).
     */
    public static final double ACTIVATION_OVERHEAD = 1.25;
    /** [B², d] arrays Symile's O(N²) loss holds at once (three anchors' products and their gradients). */
    public static final int N_SQUARED_PRODUCTS = 6;

    public StepMemory {
        if (fixedBytes < 0 || perRowBytes < 0 || perRowSquaredBytes < 0 || cachedFixedBytes < 0
                || cachedPerRowBytes < 0 || cachedPerRowSquaredBytes < 0 || minMicroRows < 1) {
            throw new IllegalArgumentException("memory terms must be >= 0, got " + fixedBytes + ", " + perRowBytes
                    + ", " + perRowSquaredBytes + ", " + cachedFixedBytes + ", " + cachedPerRowBytes + ", "
                    + cachedPerRowSquaredBytes);
        }
    }


    /**
     * The estimate of a training step: the activations the backward pass keeps times {@link #ACTIVATION_OVERHEAD}
     * per encoded row, the gradient vector while it is not allocated yet, for Symile's O(N²) negatives in a plain
     * step {@link #N_SQUARED_PRODUCTS} [B², d] products, and in a cached step two parameter-sized vectors, the
     * representations with their gradients and the closed forms' scratch ((4M + 3)·d elements per row) and three
     * [B, B] arrays.
     *
     * @param activationBytesPerRow    bytes per example of every activation a training pass keeps
     * @param unallocatedGradientBytes the gradient vector's bytes before the first step allocates it, else 0
     * @param productBytesPerPair      bytes of one row of the [B², d] product (d times the element width) with
     *                                 Symile's O(N²) negatives, else 0
     * @param modalities               M
     * @param width                    d
     * @param elementBytes             the element width
     * @param parameterBytes           the parameter vector's bytes
     * @param batchStatistics          whether the network normalises with batch statistics (then a micro-batch
     *                                 needs 2 rows)
     */
    public static StepMemory ofTraining(long activationBytesPerRow, long unallocatedGradientBytes,
                                        long productBytesPerPair, int modalities, long width, int elementBytes,
                                        long parameterBytes, boolean batchStatistics) {
        return new StepMemory(unallocatedGradientBytes, (long) (activationBytesPerRow * ACTIVATION_OVERHEAD),
                N_SQUARED_PRODUCTS * productBytesPerPair, 2 * parameterBytes,
                (4L * modalities + 3) * width * elementBytes, 3L * elementBytes, batchStatistics ? 2 : 1);
    }

    /** Bytes for a plain step of {@code rows} rows. */
    public long bytes(long rows) {
        return fixedBytes + perRowBytes * rows + perRowSquaredBytes * rows * rows;
    }

    /** Bytes for a step of {@code rows} rows encoded {@code microRows} at a time (0: a plain step). */
    public long bytes(long rows, long microRows) {
        if (microRows <= 0) {
            return bytes(rows);
        }
        long encoded = Math.min(rows, microRows);
        return fixedBytes + cachedFixedBytes + perRowBytes * encoded + cachedPerRowBytes * rows
                + cachedPerRowSquaredBytes * rows * rows;
    }

    /**
     * Refuses a batch whose step would not fit: what the process holds now plus this estimate, against
     * {@link MemoryBudget#current()}. The message gives the estimate, the budget and where it comes from, the largest
     * batch that fits and, where one does, the largest {@code --micro_batch_sz} that trains this batch.
     *
     * @param flag      the flag that set the batch size ({@code --batch_sz_train})
     * @param microRows {@code --micro_batch_sz}: 0 for a plain step
     * @param what      what steps, for the message ("a symile_mimic training step")
     * @throws IllegalArgumentException when the step does not fit
     */
    public void requireFits(String flag, int rows, int microRows, String what) {
        int minMicro = minMicroRows;
        MemoryBudget.Limit limit = MemoryBudget.current();
        long resident = NativeMemoryGuard.residentBytes();
        if (resident + bytes(rows, microRows) <= limit.bytes()) {
            return;
        }
        int fitMicro = largest(minMicro, rows, n -> resident + bytes(rows, n) <= limit.bytes());
        if (microRows > 0) {
            String advice = fitMicro >= minMicro ? "the largest micro-batch that fits is about " + fitMicro + " (use"
                    + " --micro_batch_sz " + fitMicro + " or fewer)" : "not even micro-batches of " + minMicro
                    + " rows fit; use a smaller " + flag + " or a machine with more memory";
            throw new IllegalArgumentException("--micro_batch_sz " + microRows + ": " + what + " of " + rows
                    + " rows encoded " + microRows + " at a time needs about " + gib(resident + bytes(rows, microRows))
                    + " resident, more than the " + gib(limit.bytes()) + " this process may use (" + limit.source()
                    + "); " + advice);
        }
        String cached = fitMicro >= minMicro ? "; or keep " + flag + " " + rows + " (its negatives) and encode it "
                + fitMicro + " rows at a time with --micro_batch_sz " + fitMicro + " (gradient caching, about "
                + gib(resident + bytes(rows, fitMicro)) + ")" : "";
        MemoryBudget.requireFits(flag, rows, r -> resident + bytes(r), what, limit, cached);
    }

    /** The largest n in [from, to] with {@code fits(n)} (monotone: true up to some n), or from - 1. */
    private static int largest(int from, int to, java.util.function.IntPredicate fits) {
        int lo = from - 1;
        int hi = to;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (fits.test(mid)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
