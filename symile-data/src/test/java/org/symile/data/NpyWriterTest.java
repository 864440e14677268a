package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyWriterTest {

    /** The finished file has the permissions of any new file in its directory (the umask), not 0600. */
    @Test
    void theWrittenFileRespectsTheUmask(@TempDir Path dir) throws IOException {
        var expected = Files.getPosixFilePermissions(Files.createFile(dir.resolve("reference")));
        Path f = dir.resolve("x.npy");
        try (NpyWriter w = NpyWriter.create(f, 1, 2)) {
            w.append(Nd4j.create(new float[] {1, 2}, 1, 2));
            w.commit();
        }
        assertEquals(expected, Files.getPosixFilePermissions(f));
    }

    @Test
    void blocksOfRowsReadBackAsOneArray(@TempDir Path dir) {
        INDArray all = Nd4j.arange(42).castTo(DataType.DOUBLE).reshape(7, 2, 3).divi(42);
        Path f = dir.resolve("x.npy");
        try (NpyWriter w = NpyWriter.create(f, 7, 2, 3)) {
            w.append(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)));
            assertFalse(Files.exists(f), "visible before commit");
            w.append(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 7)));
            w.commit();
        }
        try (NpyFile back = NpyFile.open(f)) {
            assertEquals(ElementType.FLOAT32, back.elementType());
            assertArrayEquals(new long[] {7, 2, 3}, back.shape());
            assertEquals(all.castTo(DataType.FLOAT), back.read());
        }
    }

    @Test
    void incompleteOrOverfullFilesNeverAppear(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("y.npy");
        try (NpyWriter w = NpyWriter.create(f, 3, 2)) {
            w.append(Nd4j.ones(DataType.FLOAT, 2, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> w.append(Nd4j.ones(DataType.FLOAT, 2, 2)));
            assertTrue(e.getMessage().contains("3 rows"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> w.append(Nd4j.ones(DataType.FLOAT, 1, 5)));
            assertTrue(e.getMessage().contains("[1, 5]"), e.getMessage());
            IllegalStateException s = assertThrows(IllegalStateException.class, w::commit);
            assertTrue(s.getMessage().contains("2 of 3 rows"), s.getMessage());
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the temporary file is removed");
        }
    }

    @Test
    void emptyArraysAndVectors(@TempDir Path dir) {
        Path empty = dir.resolve("e.npy");
        try (NpyWriter w = NpyWriter.create(empty, 0, 4)) {
            w.commit();
        }
        try (NpyFile back = NpyFile.open(empty)) {
            assertArrayEquals(new long[] {0, 4}, back.shape());
        }
        Path v = dir.resolve("v.npy");
        try (NpyWriter w = NpyWriter.create(v, 3)) {
            w.append(Nd4j.createFromArray(1f, 2f, 3f));
            w.commit();
        }
        try (NpyFile back = NpyFile.open(v)) {
            assertEquals(Nd4j.createFromArray(1f, 2f, 3f), back.read());
        }
    }
}
