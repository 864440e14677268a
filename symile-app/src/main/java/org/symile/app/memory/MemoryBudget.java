package org.symile.app.memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongUnaryOperator;

/**
 * How much resident memory this process may grow to, and the refusal of a batch whose training step would not
 * fit. ND4J allocates its arrays outside the Java heap and outside JavaCPP's accounting, so neither {@code -Xmx}
 * nor JavaCPP's limits stop a step that needs more than the machine has: the kernel's OOM killer does, without a
 * word. The budget is the smallest of
 * <ul>
 *   <li>the memory the system can still hand out ({@code MemAvailable}) plus what this process already holds,</li>
 *   <li>the cgroup's limit ({@code memory.max}, or v1's {@code memory.limit_in_bytes}), when there is one,</li>
 *   <li>JavaCPP's {@code org.bytedeco.javacpp.maxPhysicalBytes}, when the user set it,</li>
 *   <li>system property {@value #LIMIT_PROPERTY} (MiB), when set.</li>
 * </ul>
 */
public final class MemoryBudget {
    /** System property: an explicit budget in MiB. */
    public static final String LIMIT_PROPERTY = "symile.memory_limit_mb";

    private MemoryBudget() {
    }

    /** The budget in bytes, with a description of where it comes from; {@code Long.MAX_VALUE} if unknown. */
    public record Limit(long bytes, String source) {
    }

    /** The current budget. */
    public static Limit current() {
        long best = Long.MAX_VALUE;
        String source = "unknown";
        long available = meminfoBytes("MemAvailable");
        long rss = NativeMemoryGuard.residentBytes();
        if (available > 0 && rss > 0) {
            best = available + rss;
            source = "available memory " + gib(available) + " + this process's " + gib(rss);
        }
        long cgroup = cgroupLimit();
        if (cgroup > 0 && cgroup < best) {
            best = cgroup;
            source = "the cgroup's memory limit";
        }
        String javacpp = System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes",
                System.getProperty("org.bytedeco.javacpp.maxphysicalbytes"));
        if (javacpp != null) {
            long limit = parseJavacppSize(javacpp);
            if (limit > 0 && limit < best) {
                best = limit;
                source = "-Dorg.bytedeco.javacpp.maxPhysicalBytes";
            }
        }
        String explicit = System.getProperty(LIMIT_PROPERTY);
        if (explicit != null) {
            long mb;
            try {
                mb = Long.parseLong(explicit.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + LIMIT_PROPERTY + ": expected a number of MiB, got '"
                        + explicit + "'");
            }
            if (mb <= 0) {
                throw new IllegalArgumentException("-D" + LIMIT_PROPERTY + ": expected a positive number of MiB,"
                        + " got " + mb);
            }
            if ((mb << 20) < best) {
                best = mb << 20;
                source = "-D" + LIMIT_PROPERTY;
            }
        }
        return new Limit(best, source);
    }

    /**
     * Refuses a batch size whose estimated step does not fit the budget.
     *
     * @param flag     the flag that set the batch size, for the message ({@code --batch_sz_train})
     * @param rows     the batch size
     * @param estimate peak resident bytes of a step of a given number of rows (non-decreasing in it)
     * @param what     what steps, for the message ("a Symile-MIMIC training step")
     * @throws IllegalArgumentException giving the estimate, the budget and the largest batch size that fits
     */
    public static void requireFits(String flag, int rows, LongUnaryOperator estimate, String what, Limit limit) {
        requireFits(flag, rows, estimate, what, limit, "");
    }

    /**
     * {@link #requireFits(String, int, LongUnaryOperator, String, Limit)} with {@code moreAdvice} appended to the
     * message (e.g. a micro-batch size that fits).
     */
    public static void requireFits(String flag, int rows, LongUnaryOperator estimate, String what, Limit limit,
                                   String moreAdvice) {
        long need = estimate.applyAsLong(rows);
        if (need <= limit.bytes()) {
            return;
        }
        int lo = 0;
        int hi = rows;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (estimate.applyAsLong(mid) <= limit.bytes()) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        String advice = lo >= 1 ? "the largest that fits is about " + lo + " (use " + flag + " " + lo
                + " or fewer)" : "not even a batch of 1 fits; use a machine with more memory";
        throw new IllegalArgumentException(flag + " " + rows + ": " + what + " of " + rows + " rows needs about "
                + gib(need) + " resident, more than the " + gib(limit.bytes()) + " this process may use ("
                + limit.source() + "); " + advice + moreAdvice);
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    private static long meminfoBytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long cgroupLimit() {
        for (Path p : new Path[] {Path.of("/sys/fs/cgroup/memory.max"),
                Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")}) {
            try {
                String v = Files.readString(p).trim();
                if (!v.equals("max")) {
                    long bytes = Long.parseLong(v);
                    // cgroup v1 reports "no limit" as a huge page-aligned number
                    if (bytes > 0 && bytes < (1L << 60)) {
                        return bytes;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not there: no limit from this source
            }
        }
        return -1;
    }

    /** JavaCPP's size syntax: a number with an optional k/m/g/t suffix (or a % of physical memory: ignored). */
    static long parseJavacppSize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.endsWith("%")) {
            return -1;
        }
        long unit = 1;
        char last = t.charAt(t.length() - 1);
        int shift = switch (last) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (shift > 0) {
            t = t.substring(0, t.length() - 1);
            unit = 1L << shift;
        }
        try {
            return Long.parseLong(t) * unit;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
