package org.symile.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * One split directory in upstream's layout, {@code <data_dir>/<split>/<name>_<split>.(npy|pt)} (the public
 * Symile-MIMIC release ships {@code .npy}, the M3 pipeline {@code .pt}; either is found, {@code .npy} first).
 * Tensors are opened lazily and mapped, never loaded whole. Every tensor obtained through {@link #require} must
 * have the split's row count and the expected row shape and element kind; violations name the file.
 */
public final class SplitTensors implements AutoCloseable {

    /** What a tensor's elements must be. */
    public enum Kind {
        /** float16/32/64 or bfloat16. */
        FLOAT,
        /** any integer type or bool; also float32 holding whole numbers (upstream's token ids). */
        INTEGER_LIKE,
        /** anything. */
        ANY
    }

    private final Path dir;
    private final String split;
    private final Map<String, TensorSource> open = new LinkedHashMap<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private long rows = -1;
    private String rowsFrom;

    private SplitTensors(Path dir, String split) {
        this.dir = dir;
        this.split = split;
    }

    /**
     * Opens {@code <dataDir>/<split>}.
     *
     * @throws IllegalArgumentException if the data directory or its split directory does not exist
     */
    public static SplitTensors open(Path dataDir, String split) {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("--data_dir: " + dataDir + (Files.exists(dataDir)
                    ? " is not a directory" : " does not exist"));
        }
        Path dir = dataDir.resolve(split);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--data_dir: no split directory " + dir);
        }
        return new SplitTensors(dir, split);
    }

    public Path dir() {
        return dir;
    }

    public String split() {
        return split;
    }

    /** The file holding tensor {@code name}, or null. */
    public Path file(String name) {
        for (String ext : new String[] {".npy", ".pt"}) {
            Path p = dir.resolve(name + "_" + split + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    public boolean has(String name) {
        return file(name) != null;
    }

    /** Names of every tensor file in the directory ({@code <name>_<split>.npy|pt}). */
    public List<String> names() {
        TreeSet<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.map(p -> p.getFileName().toString()).forEach(f -> {
                for (String ext : new String[] {".npy", ".pt"}) {
                    String suffix = "_" + split + ext;
                    if (f.endsWith(suffix)) {
                        out.add(f.substring(0, f.length() - suffix.length()));
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
        }
        return new ArrayList<>(out);
    }

    /** Opens tensor {@code name} without checks. */
    public TensorSource tensor(String name) {
        TensorSource t = open.get(name);
        if (t != null) {
            return t;
        }
        Path f = file(name);
        if (f == null) {
            throw new IllegalArgumentException("missing file " + dir.resolve(name + "_" + split + ".npy")
                    + " (or .pt)");
        }
        if (f.toString().endsWith(".npy")) {
            NpyFile n = NpyFile.open(f);
            toClose.add(n);
            t = n;
        } else {
            TorchFile tf = TorchFile.open(f);
            toClose.add(tf);
            t = tf.tensor();
        }
        open.put(name, t);
        return t;
    }

    /**
     * Opens tensor {@code name} and checks it: the split's row count, the row shape ({@code rowShape}, -1 = any
     * size in that dimension) and the element kind.
     */
    public TensorSource require(String name, Kind kind, long... rowShape) {
        TensorSource t = tensor(name);
        long[] shape = t.shape();
        boolean ok = shape.length == rowShape.length + 1;
        for (int i = 0; ok && i < rowShape.length; i++) {
            ok = rowShape[i] < 0 || rowShape[i] == shape[i + 1];
        }
        if (!ok) {
            throw new IllegalArgumentException(t.origin() + ": expected shape [n" + shapeText(rowShape) + "], got "
                    + Arrays.toString(shape));
        }
        ElementType et = t.elementType();
        boolean kindOk = switch (kind) {
            case FLOAT -> et.isFloatingPoint();
            case INTEGER_LIKE -> !et.isFloatingPoint() || et == ElementType.FLOAT32 || et == ElementType.FLOAT64;
            case ANY -> true;
        };
        if (!kindOk) {
            throw new IllegalArgumentException(t.origin() + ": expected " + kind.name().toLowerCase().replace('_', '-')
                    + " values, got " + et.numpyName());
        }
        checkRows(t);
        return t;
    }

    private void checkRows(TensorSource t) {
        if (rows < 0) {
            rows = t.rows();
            rowsFrom = t.origin();
        } else if (t.rows() != rows) {
            throw new IllegalArgumentException(t.origin() + ": has " + t.rows() + " rows but " + rowsFrom + " has "
                    + rows + "; all tensors of a split must have the same number of rows");
        }
    }

    /** Row count of the tensors required so far (-1 before the first). */
    public long rows() {
        return rows;
    }

    /** The lines of {@code <name>_<split>.txt} (e.g. M3's lang file), checked against the row count. */
    public List<String> textLines(String name) {
        Path f = dir.resolve(name + "_" + split + ".txt");
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("missing file " + f);
        }
        try {
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            if (rows >= 0 && lines.size() != rows) {
                throw new IllegalArgumentException(f + ": has " + lines.size() + " lines but " + rowsFrom + " has "
                        + rows + " rows");
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String shapeText(long[] rowShape) {
        StringBuilder sb = new StringBuilder();
        for (long s : rowShape) {
            sb.append(", ").append(s < 0 ? "*" : String.valueOf(s));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                // read-only mappings
            }
        }
        toClose.clear();
        open.clear();
    }
}
