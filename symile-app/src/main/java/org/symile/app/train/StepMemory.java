package org.symile.app.train;

/**
 * An estimate of the resident memory a training step adds to the process as it is before training starts (model
 * and optimizer already allocated): {@code fixed + perRow·B + perRowSquared·B²} bytes for a batch of B rows. The
 * B² term is Symile's O(N²) negatives, whose [B², d] products the loss materialises.
 *
 * @param fixedBytes         independent of the batch (e.g. the gradient vector, allocated at the first step)
 * @param perRowBytes        per row: kept activations, their gradients, the native kernels' scratch buffers
 * @param perRowSquaredBytes per pair of rows
 */
public record StepMemory(long fixedBytes, long perRowBytes, long perRowSquaredBytes) {

    public StepMemory {
        if (fixedBytes < 0 || perRowBytes < 0 || perRowSquaredBytes < 0) {
            throw new IllegalArgumentException("memory terms must be >= 0, got " + fixedBytes + ", " + perRowBytes
                    + ", " + perRowSquaredBytes);
        }
    }

    /** Bytes for a batch of {@code rows} rows. */
    public long bytes(long rows) {
        return fixedBytes + perRowBytes * rows + perRowSquaredBytes * rows * rows;
    }
}
