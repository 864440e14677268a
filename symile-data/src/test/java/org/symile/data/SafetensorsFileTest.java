package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hugging Face's safetensors layout written out byte by byte (an 8-byte little-endian header length, the JSON
 * header padded with spaces, the little-endian data): every dtype reads back its values and shape, and each way a
 * file can be malformed is refused naming the file.
 */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** One tensor: its name, safetensors dtype, shape and raw little-endian bytes. */
    private record Entry(String name, String dtype, long[] shape, byte[] data) {
    }

    private static byte[] le(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(width * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (width) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private Path write(String name, String extraHeader, List<Entry> entries) throws IOException {
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Entry e : entries) {
            long begin = data.size();
            data.write(e.data());
            StringBuilder shape = new StringBuilder();
            for (long s : e.shape()) {
                shape.append(shape.length() == 0 ? "" : ",").append(s);
            }
            header.append(header.length() == 1 ? "" : ",").append(String.format("\"%s\":{\"dtype\":\"%s\",\"shape\":[%s],"
                    + "\"data_offsets\":[%d,%d]}", e.name(), e.dtype(), shape, begin, data.size()));
        }
        header.append(extraHeader).append('}');
        while ((header.length() % 8) != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve(name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(le(8, h.length));
        out.write(h);
        out.write(data.toByteArray());
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void everyDtypeReadsBackItsValuesAndShape() throws IOException {
        Path f = write("model.safetensors", ",\"__metadata__\":{\"format\":\"pt\"}", List.of(
                new Entry("w", "F32", new long[] {2, 3}, floats(1, 2, 3, 4, 5, -6.5f)),
                new Entry("ids", "I64", new long[] {3}, le(8, 7, -1, 1L << 40)),
                new Entry("n", "I32", new long[] {2}, le(4, -3, 12)),
                new Entry("half", "F16", new long[] {2}, le(2, 0x3E00, 0xC000)),
                new Entry("brain", "BF16", new long[] {2}, le(2, 0x4000, 0x3F80)),
                new Entry("pix", "U8", new long[] {2}, le(1, 0, 255)),
                new Entry("mask", "BOOL", new long[] {2}, le(1, 1, 0)),
                new Entry("scalar", "F32", new long[] {}, floats(0.25f))));
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals(List.of("w", "ids", "n", "half", "brain", "pix", "mask", "scalar"),
                    List.copyOf(s.tensors().keySet()));
            INDArray w = s.tensors().get("w").read();
            assertArrayEquals(new long[] {2, 3}, w.shape());
            assertEquals(DataType.FLOAT, w.dataType());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, w.reshape(6).toFloatVector());
            assertEquals(4, w.getFloat(1, 0));
            assertArrayEquals(new long[] {7, -1, 1L << 40}, s.tensors().get("ids").read().toLongVector());
            assertArrayEquals(new int[] {-3, 12}, s.tensors().get("n").read().toIntVector());
            assertArrayEquals(new double[] {1.5, -2.0}, s.tensors().get("half").read().castTo(DataType.DOUBLE)
                    .toDoubleVector());
            assertArrayEquals(new double[] {2.0, 1.0}, s.tensors().get("brain").read().castTo(DataType.DOUBLE)
                    .toDoubleVector());
            assertArrayEquals(new double[] {0, 255}, s.tensors().get("pix").read().castTo(DataType.DOUBLE)
                    .toDoubleVector());
            assertArrayEquals(new double[] {1, 0}, s.tensors().get("mask").read().castTo(DataType.DOUBLE)
                    .toDoubleVector());
            INDArray scalar = s.tensors().get("scalar").read();
            assertEquals(1, scalar.length());
            assertEquals(0.25, scalar.getDouble(0));
        }
        // StateDicts reads the same file by its extension
        assertEquals(8, StateDicts.read(f).size());
        assertEquals(-6.5f, StateDicts.read(f).get("w").getFloat(1, 2));
    }

    @Test
    void malformedFilesAreRefusedNamingTheFile() throws IOException {
        Path shortFile = dir.resolve("short.safetensors");
        Files.write(shortFile, new byte[5]);
        assertMessage(shortFile, "too short to be a safetensors file");
        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, le(8, 1000, 0));
        assertMessage(huge, "not a safetensors file (header length 1000)");
        Path json = dir.resolve("json.safetensors");
        byte[] h = "{\"w\": [".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        Files.write(json, b.array());
        assertMessage(json, "malformed safetensors header");
        assertMessage(write("f8.safetensors", "", List.of(new Entry("w", "F8_E4M3", new long[] {2}, le(1, 1, 2)))),
                "tensor 'w' has unsupported dtype \"F8_E4M3\"");
        assertMessage(write("offsets.safetensors", "", List.of(new Entry("w", "F32", new long[] {3}, floats(1, 2)))),
                "tensor 'w' has data offsets [0, 8) that do not fit its shape or the file");
        assertMessage(dir.resolve("missing.safetensors"), "no such file");
    }

    private static void assertMessage(Path f, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.open(f)
                .close());
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(expected), e.getMessage());
    }
}
