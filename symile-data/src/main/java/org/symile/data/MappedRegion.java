package org.symile.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only byte range of a file, memory-mapped in windows of at most 1 GiB so files larger than 2 GiB work
 * (one {@link MappedByteBuffer} is limited to 2 GiB). Windows are mapped lazily and kept; the OS pages data in
 * on demand, so reading a few rows of a 12 GB file touches only those rows.
 */
final class MappedRegion implements AutoCloseable {
    private static final long DEFAULT_WINDOW = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final long start;
    private final long length;
    private final MappedByteBuffer[] windows;
    private final long window;

    MappedRegion(Path file, long start, long length) throws IOException {
        this(file, start, length, DEFAULT_WINDOW);
    }

    /** With a given window size (tests use tiny windows to exercise reads across window boundaries). */
    MappedRegion(Path file, long start, long length, long window) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        if (start < 0 || length < 0 || start + length > channel.size()) {
            channel.close();
            throw new IllegalArgumentException(file + ": expected " + length + " bytes of data at offset " + start
                    + " but the file has " + channel.size() + " bytes (truncated?)");
        }
        this.start = start;
        this.length = length;
        this.window = window;
        this.windows = new MappedByteBuffer[(int) ((length + window - 1) / window)];
    }

    long length() {
        return length;
    }

    /** Copies {@code dst.remaining()} bytes starting at {@code offset} (relative to the region) into {@code dst}. */
    void copy(long offset, ByteBuffer dst) {
        int n = dst.remaining();
        if (offset < 0 || offset + n > length) {
            throw new IndexOutOfBoundsException(file + ": read of " + n + " bytes at " + offset + " outside the "
                    + length + "-byte region");
        }
        while (dst.hasRemaining()) {
            int w = (int) (offset / window);
            int within = (int) (offset % window);
            ByteBuffer src = mapped(w).duplicate();
            int take = Math.min(dst.remaining(), src.capacity() - within);
            src.position(within).limit(within + take);
            dst.put(src);
            offset += take;
        }
    }

    /** One byte at {@code offset}. */
    byte get(long offset) {
        return mapped((int) (offset / window)).get((int) (offset % window));
    }

    private MappedByteBuffer mapped(int w) {
        MappedByteBuffer b = windows[w];
        if (b == null) {
            long from = (long) w * window;
            long size = Math.min(window, length - from);
            try {
                b = channel.map(FileChannel.MapMode.READ_ONLY, start + from, size);
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot map bytes " + (start + from) + ".." + (start + from
                        + size) + ": " + e.getMessage(), e);
            }
            windows[w] = b;
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
