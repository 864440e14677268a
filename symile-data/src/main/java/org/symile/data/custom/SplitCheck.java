package org.symile.data.custom;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.ElementType;
import org.symile.data.SplitTensors;
import org.symile.data.TensorSource;

/** One split's part of {@link CustomLayout#check}: every problem is added, nothing thrown for bad data. */
final class SplitCheck {
    private final SplitTensors split;
    private final CustomLayout.Problems problems;
    private final boolean scan;
    /** Each file's row count, in the order read. */
    private final Map<String, Long> rows = new java.util.LinkedHashMap<>();

    SplitCheck(SplitTensors split, CustomLayout.Problems problems, boolean scan) {
        this.split = split;
        this.problems = problems;
        this.scan = scan;
    }

    void run(Map<String, CustomLayout.Found> found) {
        for (Map.Entry<String, CustomLayout.Found> e : found.entrySet()) {
            modality(e.getKey(), e.getValue());
        }
        rowCounts();
    }

    /** Files whose row count is not the split's most common one (the first file's, among equally common ones). */
    private void rowCounts() {
        Map<Long, Integer> votes = new java.util.LinkedHashMap<>();
        rows.values().forEach(n -> votes.merge(n, 1, Integer::sum));
        long common = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(0L);
        rows.forEach((file, n) -> {
            if (n != common) {
                problems.add(file + ": " + n + " rows, but the split's other files have " + common
                        + "; every file of a split has one row per sample");
            }
        });
    }

    private void modality(String name, CustomLayout.Found f) {
        TensorSource t = open(name);
        if (t == null) {
            return;
        }
        long[] shape = t.shape();
        ElementType type = t.elementType();
        CustomLayout.Kind kind = CustomLayout.kindOf(shape, type);
        if (kind == null) {
            problems.add(t.origin() + ": " + type.numpyName() + " " + Arrays.toString(shape) + " fits no encoder;"
                    + " expected floats [N, w] (features), integers [N] (categories) or integers [N, L] (tokens)");
            return;
        }
        long width = kind == CustomLayout.Kind.CATEGORIES ? 1 : shape[1];
        if (f.kind == null) {
            f.kind = kind;
            f.width = width;
            f.from = t.origin();
        } else if (f.kind != kind || (kind == CustomLayout.Kind.FEATURES && f.width != width)) {
            problems.add(t.origin() + ": " + describe(kind, width) + ", but " + f.from + " holds "
                    + describe(f.kind, f.width) + "; a modality must be the same in every split");
        } else {
            f.width = Math.max(f.width, width);
        }
        rows(t);
        if (scan) {
            values(t, kind, f);
        }
        if (kind == CustomLayout.Kind.TOKENS && split.has(CustomLayout.maskName(name))) {
            TensorSource mask = open(CustomLayout.maskName(name));
            if (mask != null && !Arrays.equals(mask.shape(), shape)) {
                problems.add(mask.origin() + ": shape " + Arrays.toString(mask.shape()) + ", but " + t.origin()
                        + " has " + Arrays.toString(shape) + "; a mask has one entry per token");
            } else if (mask != null) {
                f.maskSplits++;
            }
        }
        if (split.has(CustomLayout.missingName(name))) {
            TensorSource m = open(CustomLayout.missingName(name));
            if (m != null) {
                indicators(m);
                f.missingSplits++;
            }
        }
    }

    /** Features finite; ids non-negative, and the largest recorded. */
    private void values(TensorSource t, CustomLayout.Kind kind, CustomLayout.Found f) {
        if (kind == CustomLayout.Kind.FEATURES) {
            long bad = CustomLayout.firstBadRow(t, SplitCheck::finite);
            if (bad >= 0) {
                problems.add(t.origin() + ": row " + bad + " holds a non-finite value (NaN or infinity)");
            }
        } else {
            long[] max = {f.maxId};
            long bad = CustomLayout.firstBadRow(t, a -> a.length() == 0 || a.minNumber().doubleValue() >= 0,
                    a -> max[0] = a.length() == 0 ? max[0] : Math.max(max[0], a.maxNumber().longValue()));
            if (bad >= 0) {
                problems.add(t.origin() + ": row " + bad + " holds a negative id; ids must be >= 0");
            } else {
                f.maxId = max[0];
            }
        }
    }

    private void indicators(TensorSource m) {
        if (m.shape().length != 1) {
            problems.add(m.origin() + ": shape " + Arrays.toString(m.shape()) + ", expected [N] indicators");
            return;
        }
        rows(m);
        if (!scan) {
            return;
        }
        // x·(1 − x) is 0 exactly for 0 and 1
        long bad = CustomLayout.firstBadRow(m, a -> a.length() == 0
                || a.mul(a.rsub(1.0)).amaxNumber().doubleValue() == 0);
        if (bad >= 0) {
            problems.add(m.origin() + ": row " + bad + " is neither 0 (present) nor 1 (missing)");
        }
    }

    private static boolean finite(INDArray a) {
        if (a.length() == 0) {
            return true;
        }
        return !a.isNaN().any() && !a.isInfinite().any();
    }

    private TensorSource open(String name) {
        if (!split.has(name)) {
            problems.add("missing file " + split.dir().resolve(name + "_" + split.split() + ".npy") + " (or .pt)");
            return null;
        }
        try {
            return split.tensor(name);
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private void rows(TensorSource t) {
        rows.put(t.origin(), t.rows());
    }

    private static String describe(CustomLayout.Kind kind, long width) {
        return switch (kind) {
            case FEATURES -> "features [N, " + width + "]";
            case CATEGORIES -> "categories [N]";
            case TOKENS -> "tokens [N, L]";
        };
    }
}
