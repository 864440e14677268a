package org.symile.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.symile.app.memory.NativeMemoryGuard;

/**
 * Wall-clock timing with warm-up and order statistics, plus the peak extra resident memory of one iteration.
 * The native-memory guard runs between samples, outside the timed region.
 *
 * <p>The memory figure is the rise of the process's peak RSS during one run, after garbage collection and
 * {@code malloc_trim}; because ND4J frees buffers only at garbage collection, it counts everything the run
 * allocated and did not close itself, so it is an upper bound of the run's live working set.
 */
public final class Timing {

    /** Median and spread of the samples, in milliseconds; peak extra memory in MiB (-1 if unknown). */
    public record Stats(double medianMs, double p10Ms, double p90Ms, int samples, double peakExtraMb) {
    }

    private Timing() {
    }

    /**
     * Runs {@code body} {@code warmup} times untimed, then {@code iters} times timed. A slow body stops early once
     * warm-up plus timing have used {@code timeLimitSeconds}, keeping at least 3 timed samples (and at least one
     * warm-up run).
     */
    public static Stats measure(Runnable body, int warmup, int iters, double timeLimitSeconds) {
        if (warmup < 0 || iters < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --iters >= 1, got " + warmup + ", " + iters);
        }
        if (!(timeLimitSeconds > 0)) {
            throw new IllegalArgumentException("--time_limit: expected a positive number of seconds, got "
                    + timeLimitSeconds);
        }
        long deadline = System.nanoTime() + (long) (timeLimitSeconds * 1e9);
        NativeMemoryGuard guard = NativeMemoryGuard.standard();
        for (int i = 0; i < warmup && (i == 0 || System.nanoTime() < deadline); i++) {
            body.run();
            guard.step();
        }
        double peak = peakExtraMb(body);
        double[] t = new double[iters];
        int n = 0;
        while (n < iters && (n < 3 || System.nanoTime() < deadline)) {
            long t0 = System.nanoTime();
            body.run();
            t[n++] = (System.nanoTime() - t0) / 1e6;
            guard.step();
        }
        t = Arrays.copyOf(t, n);
        Arrays.sort(t);
        return new Stats(quantile(t, 0.5), quantile(t, 0.1), quantile(t, 0.9), n, peak);
    }

    /** Linear-interpolated quantile of sorted samples. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Resets the kernel's peak-RSS mark, runs one iteration and reports how far the peak rose above the resident
     * size before it (Linux only; -1 elsewhere).
     */
    static double peakExtraMb(Runnable body) {
        // return freed buffers to the OS first, so the run has to fault in what it needs and the peak shows it
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        NativeMemoryGuard.trim();
        long before = NativeMemoryGuard.residentBytes();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            body.run();
            return -1;
        }
        body.run();
        long peak = statusKb("VmHWM") * 1024;
        if (before < 0 || peak < 0) {
            return -1;
        }
        return Math.max(0, peak - before) / (double) (1 << 20);
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
