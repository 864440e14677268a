package org.symile.data.custom;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.DataProblems;
import org.symile.data.ElementType;
import org.symile.data.SplitTensors;
import org.symile.data.TensorSource;

/**
 * The layout of {@code --experiment custom} data, checked whole: for every split and every modality NAME,
 * {@code <data_dir>/<split>/NAME_<split>.npy} (or {@code .pt}) holding
 * <ul>
 *   <li>features: floats [N, w];</li>
 *   <li>categories: integers [N] (one id per row), or tokens: integers [N, L], with an optional
 *       {@code NAME_mask_<split>} [N, L] (nonzero: a real token; without it every position counts);</li>
 * </ul>
 * and optionally {@code NAME_missing_<split>} [N] (1: the modality is absent from the row, 0: present). Every
 * modality of a split has the same N, and a modality has the same kind and width in every split.
 *
 * <p>{@link #check} reads every file's header and scans the values that must be valid (features finite, ids
 * non-negative, indicators 0 or 1) in row chunks, never a file whole, and reports every problem in one message.
 */
public final class CustomLayout {
    /** Elements read at a time when scanning values. */
    private static final long CHUNK_ELEMENTS = 1L << 22;

    /** What a modality's tensor holds. */
    public enum Kind {
        /** Float features [N, w]. */
        FEATURES,
        /** One integer id per row, [N]. */
        CATEGORIES,
        /** Integer ids per position, [N, L], mean-pooled. */
        TOKENS
    }

    /**
     * One modality as found in the data.
     *
     * @param width    features: w; tokens: L; categories: 1
     * @param maxId    integer kinds: the largest id in any checked split (-1 for features)
     * @param missing  whether every split has a {@code NAME_missing} file
     * @param mask     tokens: whether every split has a {@code NAME_mask} file
     */
    public record Modality(String name, Kind kind, long width, long maxId, boolean missing, boolean mask) {
    }

    private CustomLayout() {
    }

    /** The tensor name of a modality's missingness indicators. */
    public static String missingName(String modality) {
        return modality + "_missing";
    }

    /** The tensor name of a token modality's mask. */
    public static String maskName(String modality) {
        return modality + "_mask";
    }

    /**
     * Checks {@code splits} of {@code dataDir} for {@code modalities}.
     *
     * @return each modality as found, in the given order
     * @throws DataProblems listing every problem found (an {@link IllegalArgumentException})
     */
    public static List<Modality> check(Path dataDir, List<String> modalities, List<String> splits) {
        return check(dataDir, modalities, splits, true);
    }

    /**
     * {@link #check(Path, List, List)}, optionally from the files' headers alone ({@code scanValues} false: no value
     * is read, so non-finite features, bad ids and indicators go unnoticed and {@link Modality#maxId()} is -1).
     */
    public static List<Modality> check(Path dataDir, List<String> modalities, List<String> splits,
                                       boolean scanValues) {
        Problems problems = new Problems();
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("--data_dir: " + dataDir + (Files.exists(dataDir)
                    ? " is not a directory" : " does not exist"));
        }
        Map<String, Found> found = new LinkedHashMap<>();
        for (String m : modalities) {
            found.put(m, new Found());
        }
        for (String split : splits) {
            if (!Files.isDirectory(dataDir.resolve(split))) {
                problems.add("missing split directory " + dataDir.resolve(split));
                continue;
            }
            try (SplitTensors s = SplitTensors.open(dataDir, split)) {
                new SplitCheck(s, problems, scanValues).run(found);
            }
        }
        int checked = (int) splits.stream().filter(sp -> Files.isDirectory(dataDir.resolve(sp))).count();
        for (Map.Entry<String, Found> e : found.entrySet()) {
            partial(problems, missingName(e.getKey()), e.getValue().missingSplits, checked, splits);
            partial(problems, maskName(e.getKey()), e.getValue().maskSplits, checked, splits);
        }
        problems.throwIfAny(dataDir);
        List<Modality> out = new ArrayList<>();
        for (Map.Entry<String, Found> e : found.entrySet()) {
            Found f = e.getValue();
            out.add(new Modality(e.getKey(), f.kind, f.width, f.maxId, f.missingSplits == splits.size(),
                    f.maskSplits == splits.size()));
        }
        return out;
    }

    /** An optional file present in some splits only: the model could not treat the splits alike. */
    private static void partial(Problems problems, String name, int present, int checked, List<String> splits) {
        if (present > 0 && present < checked) {
            problems.add(name + "_<split> exists in " + present + " of the splits " + String.join(", ", splits)
                    + "; give it in every split or in none");
        }
    }

    /** What the splits checked so far say about one modality. */
    static final class Found {
        Kind kind;
        long width;
        String from;
        long maxId = -1;
        int missingSplits;
        int maskSplits;
    }

    /** Collects problems; reported together. */
    static final class Problems {
        private final List<String> lines = new ArrayList<>();

        void add(String line) {
            lines.add(line);
        }

        void throwIfAny(Path dataDir) {
            if (!lines.isEmpty()) {
                throw new DataProblems("--data_dir " + dataDir + ": " + lines.size() + (lines.size() == 1
                        ? " problem" : " problems") + " with --experiment custom data", lines);
            }
        }
    }

    /** The kind of a tensor of this shape and element type, or null when no encoder takes it. */
    static Kind kindOf(long[] shape, ElementType type) {
        if (type.isFloatingPoint()) {
            return shape.length == 2 ? Kind.FEATURES : null;
        }
        if (type == ElementType.BOOL) {
            return null;
        }
        return shape.length == 1 ? Kind.CATEGORIES : shape.length == 2 ? Kind.TOKENS : null;
    }

    /** The first row of {@code t} whose values fail {@code rowsOk} (tested on row chunks, then rows), or -1. */
    static long firstBadRow(TensorSource t, java.util.function.Predicate<INDArray> rowsOk) {
        return firstBadRow(t, rowsOk, chunk -> { });
    }

    /**
     * {@link #firstBadRow(TensorSource, java.util.function.Predicate)}, also handing every chunk read (as doubles) to
     * {@code eachChunk}, so a statistic of the values comes from the same pass.
     */
    static long firstBadRow(TensorSource t, java.util.function.Predicate<INDArray> rowsOk,
                            java.util.function.Consumer<INDArray> eachChunk) {
        long rows = t.rows();
        long perRow = Math.max(1, t.shape().length > 1 ? t.shape()[1] : 1);
        long chunk = Math.max(1, CHUNK_ELEMENTS / perRow);
        for (long r = 0; r < rows; r += chunk) {
            long end = Math.min(rows, r + chunk);
            INDArray part = t.readRows(r, end).castTo(DataType.DOUBLE);
            eachChunk.accept(part);
            if (!rowsOk.test(part)) {
                for (long i = r; i < end; i++) {
                    if (!rowsOk.test(t.readRows(i, i + 1).castTo(DataType.DOUBLE))) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
