package org.symile.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file (with zip64), giving each entry's data offset so stored (uncompressed)
 * entries can be memory-mapped in place. torch.save archives store their tensor data uncompressed.
 */
final class ZipIndex {

    /** One entry: where its bytes start, how many there are, and whether they are stored uncompressed. */
    record Entry(String name, long dataOffset, long compressedSize, long size, int method) {
        boolean stored() {
            return method == 0;
        }
    }

    private ZipIndex() {
    }

    /**
     * The archive's entries by name.
     *
     * @throws IllegalArgumentException naming the file when its zip structure is corrupt or truncated
     */
    static Map<String, Entry> read(Path file) throws IOException {
        try {
            return parse(file);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IllegalArgumentException(file + ": corrupt zip archive (" + e.getMessage() + ")", e);
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException | ArithmeticException
                 | NegativeArraySizeException e) {
            throw new IllegalArgumentException(file + ": corrupt zip archive (" + e.getClass().getSimpleName()
                    + " in its directory)", e);
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException(file + ": truncated zip archive", e);
        }
    }

    private static Map<String, Entry> parse(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int tail = (int) Math.min(size, 65_557);
            ByteBuffer end = read(ch, size - tail, tail);
            int eocd = -1;
            for (int i = tail - 22; i >= 0; i--) {
                if (end.getInt(i) == 0x06054b50) {
                    eocd = i;
                    break;
                }
            }
            if (eocd < 0) {
                throw new IllegalArgumentException(file + ": not a zip archive (no end of central directory)");
            }
            long entries = end.getShort(eocd + 10) & 0xffff;
            long cdSize = end.getInt(eocd + 12) & 0xffffffffL;
            long cdOffset = end.getInt(eocd + 16) & 0xffffffffL;
            if (eocd >= 20 && end.getInt(eocd - 20) == 0x07064b50) {
                long z64 = end.getLong(eocd - 20 + 8);
                ByteBuffer z = read(ch, z64, 56);
                if (z.getInt(0) != 0x06064b50) {
                    throw new IllegalArgumentException(file + ": corrupt zip64 end of central directory");
                }
                entries = z.getLong(32);
                cdSize = z.getLong(40);
                cdOffset = z.getLong(48);
            }
            if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > size || cdSize > Integer.MAX_VALUE
                    || entries < 0 || entries > cdSize / 46) {
                throw new IllegalArgumentException(file + ": truncated or corrupt zip archive (central directory of "
                        + entries + " entries, " + cdSize + " bytes at " + cdOffset + " in a file of " + size + ")");
            }
            ByteBuffer cd = read(ch, cdOffset, (int) cdSize);
            Map<String, Entry> out = new LinkedHashMap<>();
            int p = 0;
            for (long e = 0; e < entries; e++) {
                if (cd.getInt(p) != 0x02014b50) {
                    throw new IllegalArgumentException(file + ": corrupt zip central directory");
                }
                int method = cd.getShort(p + 10) & 0xffff;
                long csize = cd.getInt(p + 20) & 0xffffffffL;
                long usize = cd.getInt(p + 24) & 0xffffffffL;
                int nlen = cd.getShort(p + 28) & 0xffff;
                int xlen = cd.getShort(p + 30) & 0xffff;
                int clen = cd.getShort(p + 32) & 0xffff;
                long local = cd.getInt(p + 42) & 0xffffffffL;
                byte[] nb = new byte[nlen];
                cd.get(p + 46, nb);
                String name = new String(nb, StandardCharsets.UTF_8);
                int x = p + 46 + nlen;
                int xend = x + xlen;
                while (x + 4 <= xend) {
                    int id = cd.getShort(x) & 0xffff;
                    int len = cd.getShort(x + 2) & 0xffff;
                    if (id == 0x0001) {
                        int q = x + 4;
                        if (usize == 0xffffffffL) {
                            usize = cd.getLong(q);
                            q += 8;
                        }
                        if (csize == 0xffffffffL) {
                            csize = cd.getLong(q);
                            q += 8;
                        }
                        if (local == 0xffffffffL) {
                            local = cd.getLong(q);
                        }
                    }
                    x += 4 + len;
                }
                if (local < 0 || local + 30 > size) {
                    throw new IllegalArgumentException(file + ": corrupt zip central directory (entry " + name
                            + " at " + local + ")");
                }
                ByteBuffer lh = read(ch, local, 30);
                if (lh.getInt(0) != 0x04034b50) {
                    throw new IllegalArgumentException(file + ": corrupt zip local header for " + name);
                }
                long data = local + 30 + (lh.getShort(26) & 0xffff) + (lh.getShort(28) & 0xffff);
                if (csize < 0 || data + csize > size) {
                    throw new IllegalArgumentException(file + ": entry " + name + " runs past the end of the file"
                            + " (truncated?)");
                }
                out.put(name, new Entry(name, data, csize, usize, method));
                p = x > xend ? xend + clen : xend + clen;
            }
            return out;
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new java.io.EOFException("unexpected end of file");
            }
        }
        return b.flip();
    }
}
