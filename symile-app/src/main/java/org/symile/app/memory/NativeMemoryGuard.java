package org.symile.app.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the resident size of a long loop bounded.
 *
 * <p>ND4J frees an array's native buffer only when the Java object holding it is garbage-collected. A training or
 * benchmark loop allocates hundreds of megabytes of native memory per second while its Java heap barely moves,
 * so collections are rare and the process keeps touching fresh pages, which is slow on virtual machines (a page
 * fault costs ~10 µs on this project's CI machines) and can exhaust memory. Calling {@link #step()} once per
 * iteration requests a collection whenever the resident set grew by more than the threshold since the last one,
 * so freed buffers are reused instead. It changes no numbers; it only changes when memory is returned.
 */
public final class NativeMemoryGuard {
    private static final Path STATM = Path.of("/proc/self/statm");
    private static final long PAGE = 4096;

    private final long thresholdBytes;
    private long baseline;
    private int collections;

    /** @param thresholdBytes growth of the resident set that triggers a collection */
    public NativeMemoryGuard(long thresholdBytes) {
        if (thresholdBytes <= 0) {
            throw new IllegalArgumentException("memory guard threshold must be positive, got " + thresholdBytes);
        }
        this.thresholdBytes = thresholdBytes;
        this.baseline = residentBytes();
    }

    /**
     * A guard with the threshold of system property {@code symile.gc_threshold_mb} (default 128 MiB).
     */
    public static NativeMemoryGuard standard() {
        long mb = Long.getLong("symile.gc_threshold_mb", 128);
        return new NativeMemoryGuard(mb << 20);
    }

    /** Call once per iteration, outside any timed region. */
    public void step() {
        long rss = residentBytes();
        if (rss < 0 || rss - baseline <= thresholdBytes) {
            return;
        }
        System.gc();
        collections++;
        baseline = residentBytes();
    }

    /** Collections requested so far. */
    public int collections() {
        return collections;
    }

    /**
     * Asks the C allocator to return free memory to the OS ({@code malloc_trim(0)} through JavaCPP, whose method
     * is not public in 1.5.7); returns false where that is not possible.
     */
    public static boolean trim() {
        try {
            java.lang.reflect.Method m = org.bytedeco.javacpp.Pointer.class.getDeclaredMethod("trimMemory");
            m.setAccessible(true);
            return (Boolean) m.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Resident set size of this process in bytes, or -1 where /proc is unavailable. */
    public static long residentBytes() {
        try {
            String[] f = Files.readString(STATM).trim().split("\\s+");
            return Long.parseLong(f[1]) * PAGE;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
