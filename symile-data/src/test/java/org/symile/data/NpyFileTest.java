package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyFileTest {

    static void assertValues(JsonNode expected, INDArray actual, String what) {
        long[] shape = new long[expected.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = expected.get("shape").get(i).asLong();
        }
        assertArrayEquals(shape, actual.shape(), what + " shape");
        double[] got = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        JsonNode v = expected.get("values");
        assertEquals(v.size(), got.length, what);
        for (int i = 0; i < got.length; i++) {
            assertEquals(v.get(i).asDouble(), got[i], 0.0, what + "[" + i + "]");
        }
    }

    @ParameterizedTest
    @CsvSource({"f32_c.npy,FLOAT32", "f64.npy,FLOAT64", "f16.npy,FLOAT16", "i8.npy,INT8", "i16.npy,INT16",
            "i32.npy,INT32", "i64.npy,INT64", "u8.npy,UINT8", "bool.npy,BOOL", "f32_big_endian.npy,FLOAT32",
            "i64_big_endian.npy,INT64", "f32_fortran.npy,FLOAT32", "f32_3d_fortran.npy,FLOAT32", "f32_v2.npy,FLOAT32",
            "f32_v3.npy,FLOAT32", "empty_rows.npy,FLOAT32"})
    void readsWhatNumpyWrote(String file, ElementType type) {
        try (NpyFile f = NpyFile.open(Fixtures.path(file))) {
            assertEquals(type, f.elementType());
            assertValues(Fixtures.expected().get(file), f.read(), file);
        }
    }

    @Test
    void readsScalarsAndVersions() {
        try (NpyFile f = NpyFile.open(Fixtures.path("scalar.npy"))) {
            assertEquals(0, f.shape().length);
            assertEquals(2.5, f.read().getDouble(0), 0.0);
        }
        try (NpyFile f = NpyFile.open(Fixtures.path("f32_v3.npy"))) {
            assertEquals(3, f.majorVersion());
        }
        try (NpyFile f = NpyFile.open(Fixtures.path("f32_fortran.npy"))) {
            assertTrue(f.fortranOrder());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32_c.npy", "f32_fortran.npy", "f32_big_endian.npy"})
    void readsRowRanges(String file) {
        try (NpyFile f = NpyFile.open(Fixtures.path(file))) {
            INDArray all = f.read();
            assertEquals(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()), f.readRows(1, 3));
            assertEquals(0, f.readRows(2, 2).rows());
            assertThrows(IndexOutOfBoundsException.class, () -> f.readRows(2, 4));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"bad_truncated.npy|truncated", "bad_magic.npy|bad magic",
            "bad_trailing.npy|trailing", "bad_structured.npy|structured", "bad_object.npy|unsupported dtype",
            "bad_complex.npy|unsupported dtype", "bad_version.npy|version 7", "tensor.pt|bad magic"})
    void rejectsBadFilesWithTheFileName(String file, String words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpyFile.open(Fixtures.path(file)));
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void writesFilesThatReadBack(@TempDir Path dir) {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.LONG, DataType.INT,
                DataType.UBYTE, DataType.HALF}) {
            INDArray a = Nd4j.linspace(1, 24, 24, DataType.DOUBLE).reshape(2, 3, 4).castTo(dt);
            Path f = dir.resolve(dt + ".npy");
            NpyFile.write(f, a);
            try (NpyFile back = NpyFile.open(f)) {
                assertEquals(a, back.read());
                assertEquals(a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).reshape(1, 3, 4),
                        back.readRows(1, 2));
            }
        }
    }

    @Test
    void readsAcrossMappingWindows() throws Exception {
        Path file = Fixtures.path("f64.npy");
        try (NpyFile f = NpyFile.open(file)) {
            long dataStart = java.nio.file.Files.size(file) - 12 * 8;
            MappedRegion tiny = new MappedRegion(file, dataStart, 12 * 8, 20);
            StridedTensor t = new StridedTensor("tiny", tiny, true, ElementType.FLOAT64, true, 0, new long[] {3, 4},
                    StridedTensor.cStrides(new long[] {3, 4}));
            assertEquals(f.read(), t.read());
            assertEquals(f.readRows(1, 3), t.readRows(1, 3));
            t.close();
        }
    }
}
