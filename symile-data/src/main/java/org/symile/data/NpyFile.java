package org.symile.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.io.AtomicFiles;

/**
 * A numpy {@code .npy} file: header parsed and validated here (format versions 1.0–3.0), data memory-mapped and
 * read a row range at a time, so arrays larger than 2 GiB (the public Symile-MIMIC CXR training array is ~12 GB)
 * stream without being loaded.
 *
 * <p>Supported: {@code float16/32/64}, {@code int8/16/32/64}, {@code uint8}, {@code bool}; little- and big-endian
 * (swapped on read); C and Fortran order (Fortran arrays are read through their strides, never transposed).
 * Anything else, a bad magic string, a malformed header or a file whose length does not match its shape is
 * rejected with an {@link IllegalArgumentException} naming the file.
 */
public final class NpyFile implements TensorSource {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private final Path file;
    private final int majorVersion;
    private final boolean fortranOrder;
    private final StridedTensor tensor;

    private NpyFile(Path file, int majorVersion, boolean fortranOrder, StridedTensor tensor) {
        this.file = file;
        this.majorVersion = majorVersion;
        this.fortranOrder = fortranOrder;
        this.tensor = tensor;
    }

    /**
     * Opens and validates a file; the data is mapped, not read.
     *
     * @throws IllegalArgumentException naming the file when it is not a supported .npy file
     */
    public static NpyFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(pre, 0);
            pre.flip();
            if (pre.remaining() < 10) {
                throw new IllegalArgumentException(file + ": too short to be a .npy file (" + size + " bytes)");
            }
            byte[] magic = new byte[6];
            pre.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(file + ": not a .npy file (bad magic string)");
            }
            int major = pre.get() & 0xff;
            pre.get();
            long headerLen;
            int prefix;
            if (major == 1) {
                headerLen = pre.getShort() & 0xffff;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                if (pre.remaining() < 4) {
                    throw new IllegalArgumentException(file + ": truncated .npy header");
                }
                headerLen = pre.getInt() & 0xffffffffL;
                prefix = 12;
            } else {
                throw new IllegalArgumentException(file + ": unsupported .npy format version " + major
                        + " (expected 1, 2 or 3)");
            }
            if (prefix + headerLen > size) {
                throw new IllegalArgumentException(file + ": truncated .npy header (" + headerLen + " bytes declared, "
                        + (size - prefix) + " present)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            ch.read(hb, prefix);
            String header = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            Map<String, Object> dict = HeaderParser.parse(header, file);
            Object descr = dict.get("descr");
            Object fortran = dict.get("fortran_order");
            Object shapeObj = dict.get("shape");
            if (descr == null) {
                throw new IllegalArgumentException(file + ": header has no 'descr' field (corrupt .npy header?)");
            }
            if (!(descr instanceof String d)) {
                throw new IllegalArgumentException(file + ": header field 'descr' must be a simple dtype string, got "
                        + descr + " (structured dtypes are not supported)");
            }
            if (!(fortran instanceof Boolean f)) {
                throw new IllegalArgumentException(file + ": header field 'fortran_order' missing or not a boolean");
            }
            if (!(shapeObj instanceof List<?> shapeList)) {
                throw new IllegalArgumentException(file + ": header field 'shape' missing or not a tuple");
            }
            long[] shape = new long[shapeList.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = (Long) shapeList.get(i);
            }
            if (d.length() < 2) {
                throw new IllegalArgumentException(file + ": unsupported dtype '" + d + "'");
            }
            char order = d.charAt(0);
            ElementType type = ElementType.fromNumpy(d.substring(1));
            if ("<>|=".indexOf(order) < 0 || type == null) {
                throw new IllegalArgumentException(file + ": unsupported dtype '" + d + "' (supported: float16/32/64,"
                        + " int8/16/32/64, uint8, bool)");
            }
            boolean little = order == '<' || order == '|' || (order == '=' && ByteOrder.nativeOrder()
                    == ByteOrder.LITTLE_ENDIAN);
            long count = 1;
            for (long s : shape) {
                count = Math.multiplyExact(count, s);
            }
            long dataStart = prefix + headerLen;
            long expected = count * type.width();
            if (size - dataStart != expected) {
                throw new IllegalArgumentException(file + ": shape " + Arrays.toString(shape) + " of " + type.numpyName()
                        + " needs " + expected + " bytes of data but the file holds " + (size - dataStart)
                        + (size - dataStart < expected ? " (truncated)" : " (trailing bytes)"));
            }
            MappedRegion region = new MappedRegion(file, dataStart, expected);
            long[] strides = f ? StridedTensor.fStrides(shape) : StridedTensor.cStrides(shape);
            return new NpyFile(file, major, f, new StridedTensor(file.toString(), region, true, type, little, 0, shape,
                    strides));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(file + ": shape too large");
        }
    }

    public Path file() {
        return file;
    }

    /** Format major version (1, 2 or 3). */
    public int majorVersion() {
        return majorVersion;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    @Override
    public String origin() {
        return file.toString();
    }

    @Override
    public long[] shape() {
        return tensor.shape();
    }

    @Override
    public ElementType elementType() {
        return tensor.elementType();
    }

    @Override
    public INDArray readRows(long from, long to) {
        return tensor.readRows(from, to);
    }

    @Override
    public INDArray readRows(long[] indices) {
        return tensor.readRows(indices);
    }

    @Override
    public void close() {
        tensor.close();
    }

    /**
     * Writes {@code array} as a version 1.0 little-endian C-order file (atomically: temporary name, then rename).
     */
    public static void write(Path file, INDArray array) {
        ElementType type = null;
        for (ElementType t : ElementType.values()) {
            if (t.dataType() == array.dataType() && t != ElementType.BFLOAT16) {
                type = t;
            }
        }
        if (type == null) {
            throw new IllegalArgumentException(file + ": cannot write " + array.dataType() + " to .npy");
        }
        INDArray c = array.ordering() == 'c' && !array.isView() ? array : array.dup('c');
        ByteBuffer data = c.data().asNio().order(ByteOrder.nativeOrder());
        final ElementType t = type;
        byte[] header = header(t.numpyDescr(), array.shape());
        AtomicFiles.write(file, out -> {
            DataOutputStream o = new DataOutputStream(out);
            o.write(header);
            ByteBuffer src = data.duplicate();
            src.position(0).limit((int) (c.length() * t.width()));
            byte[] buf = new byte[1 << 16];
            while (src.hasRemaining()) {
                int n = Math.min(buf.length, src.remaining());
                src.get(buf, 0, n);
                o.write(buf, 0, n);
            }
            o.flush();
        });
    }

    /**
     * A version 1.0 header: magic, version, length and the dict literal for a C-order array, padded so the data
     * starts at a multiple of 64 bytes.
     */
    static byte[] header(String descr, long[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (long d : shape) {
            s.append(d).append(", ");
        }
        if (shape.length > 1) {
            s.setLength(s.length() - 2);
        } else if (shape.length == 1) {
            s.setLength(s.length() - 1);
        }
        s.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + s + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String text = dict + " ".repeat(pad) + "\n";
        byte[] out = new byte[10 + text.length()];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        out[6] = 1;
        out[7] = 0;
        out[8] = (byte) (text.length() & 0xff);
        out[9] = (byte) ((text.length() >> 8) & 0xff);
        System.arraycopy(text.getBytes(StandardCharsets.ISO_8859_1), 0, out, 10, text.length());
        return out;
    }

    /** Parser for the Python dict literal of a .npy header. */
    static final class HeaderParser {
        private final String s;
        private final Path file;
        private int pos;

        private HeaderParser(String s, Path file) {
            this.s = s;
            this.file = file;
        }

        static Map<String, Object> parse(String header, Path file) {
            HeaderParser p = new HeaderParser(header.trim(), file);
            Object v = p.value();
            if (!(v instanceof Map<?, ?> m)) {
                throw p.error("expected a dict");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) m;
            return out;
        }

        private Object value() {
            skip();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '{') {
                pos++;
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                while (true) {
                    skip();
                    if (peek('}')) {
                        pos++;
                        return m;
                    }
                    Object k = value();
                    skip();
                    expect(':');
                    m.put(String.valueOf(k), value());
                    skip();
                    if (peek(',')) {
                        pos++;
                    }
                }
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                pos++;
                List<Object> l = new ArrayList<>();
                while (true) {
                    skip();
                    if (peek(close)) {
                        pos++;
                        return c == '[' ? Map.of("list", l) : l;
                    }
                    l.add(value());
                    skip();
                    if (peek(',')) {
                        pos++;
                    }
                }
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, pos + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String str = s.substring(pos + 1, end);
                pos = end + 1;
                return str;
            }
            int start = pos;
            while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '-'
                    || s.charAt(pos) == '_')) {
                pos++;
            }
            String tok = s.substring(start, pos);
            switch (tok) {
                case "True":
                    return Boolean.TRUE;
                case "False":
                    return Boolean.FALSE;
                case "None":
                    return null;
                default:
                    break;
            }
            try {
                return Long.parseLong(tok.endsWith("L") ? tok.substring(0, tok.length() - 1) : tok);
            } catch (NumberFormatException e) {
                throw error("unexpected token '" + tok + "'");
            }
        }

        private void skip() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private boolean peek(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(file + ": malformed .npy header (" + what + " at column " + pos + "): "
                    + s);
        }
    }
}
