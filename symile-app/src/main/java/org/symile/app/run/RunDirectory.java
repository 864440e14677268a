package org.symile.app.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Run directories as upstream names them: {@code <root>/<yyyyMMdd_HHmmss>_<rand 0000-9999>}. The suffix is drawn
 * from an unseeded generator (upstream draws it before seeding), so seeded runs started in the same second
 * still get distinct directories.
 */
public final class RunDirectory {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

    private RunDirectory() {
    }

    /** Creates and returns a fresh run directory under {@code root}. */
    public static Path create(Path root) {
        try {
            Files.createDirectories(root);
            for (int attempt = 0; attempt < 100; attempt++) {
                String name = LocalDateTime.now().format(STAMP) + "_"
                        + String.format("%04d", ThreadLocalRandom.current().nextInt(10_000));
                try {
                    return Files.createDirectory(root.resolve(name));
                } catch (FileAlreadyExistsException e) {
                    // try another suffix
                }
            }
            throw new IllegalStateException("could not create a unique run directory under " + root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory under " + root + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code <root>/<yyyyMMdd_HHmmss>} (upstream's informations.py layout, no suffix). */
    public static Path createTimestamped(Path root) {
        try {
            Path dir = root.resolve(LocalDateTime.now().format(STAMP));
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root + ": " + e.getMessage(), e);
        }
    }

    /** Removes {@code dir} if it exists and is empty (a run refused before writing anything); quiet otherwise. */
    public static void deleteIfEmpty(Path dir) {
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) {
                Files.delete(dir);
            }
        } catch (IOException e) {
            // not there, not empty or not ours to remove: leave it
        }
    }
}
