package org.symile.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.io.AtomicFiles;

/**
 * Writes a float32 {@code .npy} file of a known shape [rows, ...] a block of rows at a time, so an array larger
 * than memory never exists whole. The rows go to a hidden temporary file beside the target; {@link #commit()}
 * checks that every declared row arrived and renames it into place, and {@link #close()} without a commit deletes
 * it, so the target is either complete or untouched.
 */
public final class NpyWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final long[] shape;
    private final OutputStream out;
    private long written;
    private boolean done;

    private NpyWriter(Path target, Path tmp, long[] shape, OutputStream out) {
        this.target = target;
        this.tmp = tmp;
        this.shape = shape.clone();
        this.out = out;
    }

    /**
     * Starts a float32 C-order file of the given shape.
     *
     * @param shape [rows, ...], every size ≥ 0, rank ≥ 1
     * @throws UncheckedIOException naming the file when its directory cannot be written
     */
    public static NpyWriter create(Path target, long... shape) {
        if (shape.length == 0 || Arrays.stream(shape).anyMatch(s -> s < 0)) {
            throw new IllegalArgumentException(target + ": expected a shape [rows, ...] of sizes >= 0, got "
                    + Arrays.toString(shape));
        }
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = AtomicFiles.createTemp(dir, target);
            OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
            out.write(NpyFile.header("<f4", shape));
            return new NpyWriter(target, tmp, shape, out);
        } catch (IOException e) {
            if (tmp != null) {
                tmp.toFile().delete();
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends rows [n, ...] (any floating type; converted to float32).
     *
     * @throws IllegalArgumentException when their row shape differs or they exceed the declared rows
     */
    public void append(INDArray rows) {
        long[] s = rows.shape();
        if (s.length != shape.length || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length),
                Arrays.copyOfRange(shape, 1, shape.length))) {
            throw new IllegalArgumentException(target + ": rows of shape " + Arrays.toString(s) + " do not fit "
                    + Arrays.toString(shape));
        }
        if (written + s[0] > shape[0]) {
            throw new IllegalArgumentException(target + ": more than the declared " + shape[0] + " rows");
        }
        float[] v = rows.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        try {
            out.write(b.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
        written += s[0];
    }

    /** Rows appended so far. */
    public long rows() {
        return written;
    }

    /**
     * Completes the file: flushed, synced and renamed onto the target.
     *
     * @throws IllegalStateException when fewer rows than declared were appended
     */
    public void commit() {
        if (written != shape[0]) {
            throw new IllegalStateException(target + ": " + written + " of " + shape[0] + " rows written");
        }
        try {
            out.close();
            AtomicFiles.moveIntoPlace(tmp, target);
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary file unless committed. */
    @Override
    public void close() {
        if (!done) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the file is deleted below either way
            }
            tmp.toFile().delete();
            done = true;
        }
    }
}
