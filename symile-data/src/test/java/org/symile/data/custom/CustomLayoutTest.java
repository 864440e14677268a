package org.symile.data.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.DataProblems;
import org.symile.data.NpyFile;

class CustomLayoutTest {
    private static final List<String> SPLITS = List.of("train", "val");

    /** feat [n, 3] floats, cat [n] ids, tok [n, 4] ids with a mask, and feat's missingness. */
    private static void good(Path dir, String split, int n, long maxCat) {
        Path s = dir.resolve(split);
        NpyFile.write(s.resolve("feat_" + split + ".npy"), Nd4j.rand(DataType.FLOAT, n, 3));
        long[] cat = new long[n];
        for (int i = 0; i < n; i++) {
            cat[i] = i % (maxCat + 1);
        }
        NpyFile.write(s.resolve("cat_" + split + ".npy"), Nd4j.createFromArray(cat));
        NpyFile.write(s.resolve("tok_" + split + ".npy"), Nd4j.createFromArray(new int[n][4]).addi(2));
        NpyFile.write(s.resolve("tok_mask_" + split + ".npy"), Nd4j.ones(DataType.FLOAT, n, 4));
        NpyFile.write(s.resolve("feat_missing_" + split + ".npy"), Nd4j.zeros(DataType.INT, n));
    }

    @Test
    void findsEachModalitysKindWidthVocabularyAndOptionalFiles(@TempDir Path dir) {
        good(dir, "train", 10, 6);
        good(dir, "val", 5, 2);
        List<CustomLayout.Modality> m = CustomLayout.check(dir, List.of("feat", "cat", "tok"), SPLITS);
        assertEquals(new CustomLayout.Modality("feat", CustomLayout.Kind.FEATURES, 3, -1, true, false), m.get(0));
        assertEquals(new CustomLayout.Modality("cat", CustomLayout.Kind.CATEGORIES, 1, 6, false, false), m.get(1));
        assertEquals(new CustomLayout.Modality("tok", CustomLayout.Kind.TOKENS, 4, 2, false, true), m.get(2));
        // from the headers alone: no id is read
        assertEquals(-1, CustomLayout.check(dir, List.of("cat"), SPLITS, false).get(0).maxId());
    }

    @Test
    void everyProblemOfEverySplitIsListedInOneMessage(@TempDir Path dir) {
        good(dir, "train", 10, 3);
        good(dir, "val", 6, 3);
        Path train = dir.resolve("train");
        Path val = dir.resolve("val");
        INDArray nan = Nd4j.rand(DataType.FLOAT, 10, 3);
        nan.putScalar(7, 1, Double.NaN);
        NpyFile.write(train.resolve("feat_train.npy"), nan);
        NpyFile.write(train.resolve("cat_train.npy"), Nd4j.createFromArray(new long[] {0, 1, 2, -4, 0, 0, 0, 0, 0, 0}));
        NpyFile.write(train.resolve("cube_train.npy"), Nd4j.zeros(DataType.FLOAT, 10, 2, 2));
        NpyFile.write(train.resolve("feat_missing_train.npy"), Nd4j.createFromArray(new int[] {0, 0, 2, 0, 0, 0, 0, 0,
            0, 0}));
        NpyFile.write(val.resolve("tok_mask_val.npy"), Nd4j.ones(DataType.FLOAT, 6, 5));
        NpyFile.write(val.resolve("cat_val.npy"), Nd4j.createFromArray(new long[] {0, 1, 2}));
        java.io.File gone = val.resolve("feat_missing_val.npy").toFile();
        assertTrue(gone.delete());
        DataProblems e = assertThrows(DataProblems.class, () -> CustomLayout.check(dir,
                List.of("feat", "cat", "tok", "cube", "absent"), SPLITS));
        List<String> p = e.problems();
        String all = String.join("\n", p);
        assertTrue(p.get(0).contains("feat_train.npy: row 7 holds a non-finite value"), all);
        assertTrue(all.contains("cat_train.npy: row 3 holds a negative id"), all);
        assertTrue(all.contains("feat_missing_train.npy: row 2 is neither 0 (present) nor 1 (missing)"), all);
        assertTrue(all.contains("cube_train.npy: float32 [10, 2, 2] fits no encoder"), all);
        assertTrue(all.contains("missing file " + train.resolve("absent_train.npy")), all);
        assertTrue(all.contains("missing file " + val.resolve("absent_val.npy")), all);
        assertTrue(all.contains("cat_val.npy: 3 rows, but the split's other files have 6"), all);
        assertTrue(all.contains("tok_mask_val.npy: shape [6, 5]"), all);
        assertTrue(all.contains("feat_missing_<split> exists in 1 of the splits train, val"), all);
        assertEquals(11, p.size(), all);
        assertTrue(e.getMessage().startsWith("--data_dir " + dir + ": 11 problems with --experiment custom data:\n  "),
                e.getMessage());
    }

    @Test
    void aFeatureWidthThatChangesBetweenSplitsIsAProblem(@TempDir Path dir) {
        good(dir, "train", 4, 1);
        good(dir, "val", 4, 1);
        NpyFile.write(dir.resolve("val").resolve("feat_val.npy"), Nd4j.rand(DataType.FLOAT, 4, 5));
        DataProblems e = assertThrows(DataProblems.class, () -> CustomLayout.check(dir, List.of("feat"), SPLITS));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).contains("features [N, 5], but"), e.getMessage());
        assertFalse(e.problems().get(0).contains("\n"));
    }

    @Test
    void aMissingDataDirectoryOrSplitIsNamed(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CustomLayout.check(dir.resolve("nope"), List.of("a", "b"), SPLITS));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        good(dir, "train", 3, 1);
        DataProblems p = assertThrows(DataProblems.class, () -> CustomLayout.check(dir, List.of("feat"), SPLITS));
        assertEquals(List.of("missing split directory " + dir.resolve("val")), p.problems());
    }
}
