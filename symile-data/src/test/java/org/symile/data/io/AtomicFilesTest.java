package org.symile.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    /**
     * Written files get the permissions of any new file in their directory (0666 less the umask, as cp gives),
     * not a temporary file's owner-only 0600; likewise a copy.
     */
    @Test
    void writtenFilesRespectTheUmask(@TempDir Path dir) throws IOException {
        java.util.Set<java.nio.file.attribute.PosixFilePermission> expected =
                Files.getPosixFilePermissions(Files.createFile(dir.resolve("reference")));
        Path f = dir.resolve("result.csv");
        AtomicFiles.writeString(f, "a,b\n");
        assertEquals(expected, Files.getPosixFilePermissions(f));
        AtomicFiles.writeString(f, "a,b,c\n");
        assertEquals(expected, Files.getPosixFilePermissions(f), "a rewrite too");
        Path g = dir.resolve("copy.csv");
        AtomicFiles.copy(f, g);
        assertEquals(expected, Files.getPosixFilePermissions(g));
        assertTrue(expected.contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ));
    }

    @Test
    void manySmallWritesArriveInOrder(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.bin");
        AtomicFiles.write(f, out -> {
            for (int i = 0; i < 200_000; i++) {
                out.write(i & 0xff);
            }
        });
        byte[] b = Files.readAllBytes(f);
        assertEquals(200_000, b.length);
        for (int i = 0; i < b.length; i++) {
            assertEquals((byte) (i & 0xff), b[i], "byte " + i);
        }
    }

    @Test
    void failedWriteKeepsThePreviousFileAndLeavesNoTemporary(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "old");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(f, out -> {
            out.write("half".getBytes());
            throw new IllegalStateException("killed");
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), list(dir));
    }

    @Test
    void copyGivesTheSameBytesAndTheNamesStayIndependent(@TempDir Path dir) throws IOException {
        Path source = dir.resolve("epoch=0.ckpt");
        Path target = dir.resolve("last.ckpt");
        AtomicFiles.writeString(source, "state 0");
        AtomicFiles.writeString(target, "older state");
        AtomicFiles.copy(source, target);
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(target));
        // a later write of either name must not show through the other (they may share one inode)
        AtomicFiles.writeString(target, "state 1");
        assertEquals("state 0", Files.readString(source));
        Files.delete(source);
        assertEquals("state 1", Files.readString(target));
        assertEquals(List.of(target), list(dir), "no temporary file is left behind");
    }

    @Test
    void copyOfAMissingFileNamesTheTarget(@TempDir Path dir) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> AtomicFiles.copy(dir.resolve("missing"), dir.resolve("last.ckpt")));
        assertTrue(e.getMessage().contains("last.ckpt"), e.getMessage());
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
