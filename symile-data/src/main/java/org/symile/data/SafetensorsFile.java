package org.symile.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face {@code .safetensors} file: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to its dtype, shape and byte range, then the raw little-endian data, memory-mapped here.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final Map<String, ElementType> TYPES = Map.of("F16", ElementType.FLOAT16, "BF16",
            ElementType.BFLOAT16, "F32", ElementType.FLOAT32, "F64", ElementType.FLOAT64, "I8", ElementType.INT8,
            "I16", ElementType.INT16, "I32", ElementType.INT32, "I64", ElementType.INT64, "U8", ElementType.UINT8,
            "BOOL", ElementType.BOOL);

    private final MappedRegion region;
    private final Map<String, TensorSource> tensors;

    private SafetensorsFile(MappedRegion region, Map<String, TensorSource> tensors) {
        this.region = region;
        this.tensors = tensors;
    }

    /**
     * @throws IllegalArgumentException naming the file when it is not a valid safetensors file
     */
    public static SafetensorsFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(lenBuf, 0) != 8) {
                throw new IllegalArgumentException(file + ": too short to be a safetensors file");
            }
            long n = lenBuf.getLong(0);
            if (n <= 0 || 8 + n > size || n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": not a safetensors file (header length " + n + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            ch.read(hb, 8);
            JsonNode header;
            try {
                header = new ObjectMapper().readTree(hb.array());
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": malformed safetensors header: " + e.getMessage());
            }
            long dataStart = 8 + n;
            MappedRegion region = new MappedRegion(file, dataStart, size - dataStart);
            Map<String, TensorSource> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = e.getValue();
                ElementType type = TYPES.get(t.path("dtype").asText());
                if (type == null) {
                    throw new IllegalArgumentException(file + ": tensor '" + e.getKey() + "' has unsupported dtype "
                            + t.path("dtype"));
                }
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.path("shape").get(i).asLong();
                }
                long begin = t.path("data_offsets").get(0).asLong();
                long end = t.path("data_offsets").get(1).asLong();
                long count = 1;
                for (long s : shape) {
                    count *= s;
                }
                if (begin % type.width() != 0 || end - begin != count * type.width() || end > region.length()) {
                    throw new IllegalArgumentException(file + ": tensor '" + e.getKey() + "' has data offsets ["
                            + begin + ", " + end + ") that do not fit its shape or the file");
                }
                out.put(e.getKey(), new StridedTensor(file + ":" + e.getKey(), region, false, type, true,
                        begin / type.width(), shape, StridedTensor.cStrides(shape)));
            }
            return new SafetensorsFile(region, out);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Every tensor by name. */
    public Map<String, TensorSource> tensors() {
        return tensors;
    }

    @Override
    public void close() {
        try {
            region.close();
        } catch (IOException e) {
            // read-only mapping
        }
    }
}
