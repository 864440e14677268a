package org.symile.app.memory;

/**
 * When to hand malloc's free memory back to the kernel ({@link NativeAllocator#releaseFreeMemory()}): after a pass
 * whose kept activations reach {@value #BUDGET_SHARE} of the {@link MemoryBudget}. glibc serves buffers up to
 * 32 MiB from per-thread arenas and keeps what is freed there; at Symile-MIMIC's full size and B 32 those arenas
 * grew by ~1.5 GB over the first steps (peak 13.2 GB against 11.5 GB with the release, no slower). When memory is
 * not tight it is skipped: at B 8 faulting the pages in again cost ~9% of a one-thread step. One per model; the
 * budget is read when first needed.
 */
public final class FreeMemoryRelease {
    /** Share of the memory budget that a pass's kept activations must reach to release memory after it. */
    static final double BUDGET_SHARE = 0.2;
    /** Bytes of kept activations from which on memory is released after a pass; 0 until first needed. */
    private long minBytes;

    /** Releases after passes that kept at least {@value #BUDGET_SHARE} of the memory budget. */
    public FreeMemoryRelease() {
    }

    private FreeMemoryRelease(long minBytes) {
        this.minBytes = minBytes;
    }

    /** Releases after every pass (for tests of the release path, and callers that know memory is tight). */
    public static FreeMemoryRelease always() {
        return new FreeMemoryRelease(-1);
    }

    /**
     * Called after every forward (and backward) pass.
     *
     * @param keptBytes bytes of activations the pass kept
     * @return whether memory is tight enough that it was released (the caller may then discard its own dead
     *     buffers, {@link NativeAllocator#discardPages})
     */
    public boolean afterPass(long keptBytes) {
        if (minBytes == 0) {
            long budget;
            try {
                budget = MemoryBudget.current().bytes();
            } catch (IllegalArgumentException e) {
                budget = Long.MAX_VALUE;
            }
            minBytes = (long) Math.min(Long.MAX_VALUE / 2.0, budget * BUDGET_SHARE);
        }
        if (keptBytes >= minBytes) {
            NativeAllocator.releaseFreeMemory();
            return true;
        }
        return false;
    }
}
