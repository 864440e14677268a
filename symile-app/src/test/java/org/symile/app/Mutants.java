package org.symile.app;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * Seeded mutation testing of a file reader: each mutant is written to its own file and read; it must either be
 * read or refused with an IllegalArgumentException whose message names the file (never "null" as the
 * explanation, never another exception, never a hang).
 */
public final class Mutants {

    /** Reads a file, throwing what the reader throws. */
    @FunctionalInterface
    public interface Reader {
        void read(Path file) throws Exception;
    }

    private Mutants() {
    }

    /**
     * @param mutate the k-th mutant of the original, drawn from the random stream
     * @return how many mutants were refused; fails the test on any mishandled one
     */
    public static int check(Path dir, String suffix, byte[] original, int count, long seed, Duration limit,
                            BiFunction<Integer, SplittableRandom, byte[]> mutate, Reader reader) {
        List<String> failures = new ArrayList<>();
        int[] refused = {0};
        assertTimeoutPreemptively(limit, () -> {
            SplittableRandom rng = new SplittableRandom(seed);
            for (int k = 0; k < count; k++) {
                Path f = dir.resolve("m" + k + suffix);
                Files.write(f, mutate.apply(k, rng));
                try {
                    reader.read(f);
                } catch (IllegalArgumentException e) {
                    refused[0]++;
                    if (e.getMessage() == null || !e.getMessage().contains(f.toString())
                            || e.getMessage().contains(": null")) {
                        failures.add(f.getFileName() + ": " + e.getMessage());
                    }
                } catch (Throwable e) {
                    failures.add(f.getFileName() + ": " + e);
                }
            }
        });
        assertTrue(failures.isEmpty(), failures.size() + " mishandled:\n" + String.join("\n", failures));
        return refused[0];
    }

    /** A truncation of {@code original} at a random length, or 1–4 random bytes replaced. */
    public static byte[] truncateOrFlip(byte[] original, boolean truncate, SplittableRandom rng) {
        if (truncate) {
            return java.util.Arrays.copyOf(original, rng.nextInt(original.length));
        }
        byte[] m = original.clone();
        for (int i = 0; i < 1 + rng.nextInt(4); i++) {
            m[rng.nextInt(m.length)] = (byte) rng.nextInt(256);
        }
        return m;
    }
}
