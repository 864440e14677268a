package org.symile.data.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that readers never see a half-written one: content goes to a temporary file in the same
 * directory, is forced to disk, and is then renamed over the target in one step. A crash (even kill -9) leaves
 * either the previous file or the new one.
 */
public final class AtomicFiles {

    /** Writes the body of a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Deletes temporary files a killed writer of {@code name} left behind (they are never renamed). */
    private static void removeStale(Path dir, String name) throws IOException {
        try (var files = Files.newDirectoryStream(dir, "." + name + "*.tmp")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    public static void writeString(Path target, String content) {
        write(target, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
    }

    public static void write(Path target, Writer body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            removeStale(dir, target.getFileName().toString());
            tmp = createTemp(dir, target);
            // the channel's stream makes one system call per write: buffer, as callers write small pieces
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16)) {
                body.write(out);
                out.flush();
                ch.force(true);
            }
            moveIntoPlace(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is hidden and harmless; the target is untouched
                }
            }
        }
    }

    /**
     * Creates a new, empty, hidden temporary file for {@code target} in {@code dir}, with the permissions any new
     * file gets (0666 less the umask, as {@code cp} or a shell redirect would give it), not
     * {@link Files#createTempFile}'s owner-only 0600: the file is renamed into place and keeps them, and results
     * on shared storage must stay readable to the group.
     */
    public static Path createTemp(Path dir, Path target) throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (true) {
            Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(random.nextLong(), 36)
                    + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // another writer's name; draw again
            }
        }
    }

    /** Renames a finished temporary file onto {@code target}, atomically where the file system can. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Makes {@code target} a copy of {@code source} atomically: a hard link (no data copied) where the file system
     * allows one, else a byte copy, first under a temporary name and then renamed over {@code target}. Later atomic
     * writes of either name replace that name only, so the two stay independent.
     */
    public static void copy(Path source, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".link.tmp");
        try {
            removeStale(dir, target.getFileName().toString());
            try {
                Files.createLink(tmp, source);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            moveIntoPlace(tmp, target);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // hidden and harmless; the target is untouched
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
