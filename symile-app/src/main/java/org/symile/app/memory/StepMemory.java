package org.symile.app.memory;

/**
 * An estimate of the resident memory a training step adds to the process as it is before training starts (model
 * and optimizer already allocated): {@code fixed + perRow·B + perRowSquared·B²} bytes for a batch of B rows. The
 * B² term is Symile's O(N²) negatives, whose [B², d] products the loss materialises. {@link #ofTraining} is the
 * estimate itself; {@link #requireFits} the refusal of a batch that would not fit the {@link MemoryBudget}.
 *
 * @param fixedBytes         independent of the batch (e.g. the gradient vector, allocated at the first step)
 * @param perRowBytes        per row: kept activations, their gradients, the native kernels' scratch buffers
 * @param perRowSquaredBytes per pair of rows
 */
public record StepMemory(long fixedBytes, long perRowBytes, long perRowSquaredBytes) {
    /**
     * Resident memory of a step over what the model already holds, relative to the activations kept for backprop:
     * their gradients, oneDNN's reorder and scratch buffers and the allocator's slack. Measured on full-size
     * Symile-MIMIC steps (B 8 and 32; README, "Measured results"), whose peaks it reproduces within ~10%, erring
     * high.
     */
    public static final double ACTIVATION_OVERHEAD = 1.6;
    /** [B², d] arrays Symile's O(N²) loss holds at once (three anchors' products and their gradients). */
    public static final int N_SQUARED_PRODUCTS = 6;

    public StepMemory {
        if (fixedBytes < 0 || perRowBytes < 0 || perRowSquaredBytes < 0) {
            throw new IllegalArgumentException("memory terms must be >= 0, got " + fixedBytes + ", " + perRowBytes
                    + ", " + perRowSquaredBytes);
        }
    }

    /**
     * The estimate of a training step: the activations the backward pass keeps times {@link #ACTIVATION_OVERHEAD},
     * the gradient vector while it is not allocated yet, and for Symile's O(N²) negatives
     * {@link #N_SQUARED_PRODUCTS} [B², d] products.
     *
     * @param activationBytesPerRow    bytes per example of every activation a training pass keeps
     * @param unallocatedGradientBytes the gradient vector's bytes before the first step allocates it, else 0
     * @param productBytesPerPair      bytes of one row of the [B², d] product (d times the element width) with
     *                                 Symile's O(N²) negatives, else 0
     */
    public static StepMemory ofTraining(long activationBytesPerRow, long unallocatedGradientBytes,
                                        long productBytesPerPair) {
        return new StepMemory(unallocatedGradientBytes, (long) (activationBytesPerRow * ACTIVATION_OVERHEAD),
                N_SQUARED_PRODUCTS * productBytesPerPair);
    }

    /** Bytes for a batch of {@code rows} rows. */
    public long bytes(long rows) {
        return fixedBytes + perRowBytes * rows + perRowSquaredBytes * rows * rows;
    }

    /**
     * Refuses a batch whose step would not fit: what the process holds now plus this estimate, against
     * {@link MemoryBudget#current()}.
     *
     * @param flag the flag that set the batch size ({@code --batch_sz_train})
     * @param what what steps, for the message ("a symile_mimic training step")
     * @throws IllegalArgumentException giving the estimate, the budget and the largest batch size that fits
     */
    public void requireFits(String flag, int rows, String what) {
        MemoryBudget.requireFits(flag, rows, r -> NativeMemoryGuard.residentBytes() + bytes(r), what,
                MemoryBudget.current());
    }
}
