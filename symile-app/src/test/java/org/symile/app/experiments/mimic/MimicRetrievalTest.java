package org.symile.app.experiments.mimic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.train.RngStream;
import org.symile.data.NpyFile;
import org.symile.data.mimic.MimicSplit;
import org.symile.data.synthetic.SyntheticMimic;
import org.symile.samediff.ZeroShot;

class MimicRetrievalTest {
    private static final int QUERIES = 300;
    private static final int D = 16;

    @TempDir
    static Path dir;
    static long[] label;
    static long[] labelHadm;
    static long[] hadm;

    @BeforeAll
    static void generate() {
        SyntheticMimic.write(dir, new SyntheticMimic.Config(10, 10, QUERIES, 8, 16, 2, 0.3, 5));
        try (MimicSplit s = MimicSplit.open(dir, "test")) {
            label = s.labels().read().toLongVector();
            labelHadm = s.labelHadmIds().read().toLongVector();
            hadm = s.hadmIds().read().toLongVector();
        }
    }

    static MimicRetrieval retrieval() {
        try (MimicSplit s = MimicSplit.open(dir, "test")) {
            return MimicRetrieval.of(s, "test");
        }
    }

    /** Unit-norm CXR representations; the query's ECG is {@code target}'s CXR and its labs are ones / zeros. */
    static INDArray[] reps(java.util.function.IntUnaryOperator target) {
        int n = label.length;
        INDArray c = Nd4j.rand(DataType.DOUBLE, n, D).subi(0.5);
        c.diviColumnVector(c.norm2(1).reshape(n, 1));
        INDArray e = Nd4j.zeros(DataType.DOUBLE, n, D);
        for (int r = 0; r < n; r++) {
            e.putRow(r, c.getRow(target.applyAsInt(r)));
        }
        return new INDArray[] {c, e, Nd4j.ones(DataType.DOUBLE, n, D)};
    }

    @Test
    void ownCxrIsFoundWithSymileAndClipScores() {
        Nd4j.getRandom().setSeed(1);
        INDArray[] r = reps(i -> i);
        MimicRetrieval m = retrieval();
        assertEquals(QUERIES, m.queryCount());
        assertEquals(1.0, m.accuracy(r, ZeroShot.Score.SYMILE, 2.0, new RngStream(1), null), 0.0);
        r[2] = Nd4j.zeros(DataType.DOUBLE, label.length, D);
        assertEquals(1.0, m.accuracy(r, ZeroShot.Score.CLIP, 2.0, new RngStream(1), null), 0.0);
    }

    @Test
    void candidatesAreTheQuerysOwnNegatives() {
        Nd4j.getRandom().setSeed(2);
        // every query's ECG points at its first negative: only a correct candidate list makes it win
        INDArray[] r = reps(row -> {
            if (label[row] != 1) {
                return row;
            }
            for (int j = 0; j < label.length; j++) {
                if (label[j] == 0 && labelHadm[j] == hadm[row]) {
                    return j;
                }
            }
            throw new AssertionError("query without negatives");
        });
        assertEquals(0.0, retrieval().accuracy(r, ZeroShot.Score.SYMILE, 1.0, new RngStream(1), null), 0.0);
    }

    @Test
    void tiesAreBrokenUniformlyAndReproducibly() {
        int n = label.length;
        INDArray[] zero = {Nd4j.zeros(DataType.DOUBLE, n, D), Nd4j.zeros(DataType.DOUBLE, n, D),
                Nd4j.zeros(DataType.DOUBLE, n, D)};
        MimicRetrieval m = retrieval();
        double a = m.accuracy(zero, ZeroShot.Score.SYMILE, 1.0, new RngStream(9), null);
        assertEquals(a, m.accuracy(zero, ZeroShot.Score.SYMILE, 1.0, new RngStream(9), null), 0.0);
        // 1 in 10 by chance; 300 queries put it within ±0.06 with overwhelming probability
        assertTrue(Math.abs(a - 0.1) < 0.06, "accuracy under full ties " + a);
        assertNotEquals(a, m.accuracy(zero, ZeroShot.Score.SYMILE, 1.0, new RngStream(10), null));
    }

    @Test
    void bootstrapResamplesQueries() {
        Nd4j.getRandom().setSeed(3);
        // exactly the first 100 queries are answered correctly, the rest point at a negative
        int[] rank = new int[label.length];
        int k = 0;
        for (int r = 0; r < label.length; r++) {
            rank[r] = label[r] == 1 ? k++ : -1;
        }
        INDArray[] r = reps(row -> {
            if (label[row] != 1 || rank[row] < 100) {
                return row;
            }
            for (int j = 0; j < label.length; j++) {
                if (label[j] == 0 && labelHadm[j] == hadm[row]) {
                    return j;
                }
            }
            throw new AssertionError();
        });
        MimicRetrieval m = retrieval();
        assertEquals(1.0 / 3, m.accuracy(r, ZeroShot.Score.SYMILE, 1.0, new RngStream(1), null), 1e-12);
        double b1 = m.accuracy(r, ZeroShot.Score.SYMILE, 1.0, new RngStream(1), new RngStream(4));
        double b2 = m.accuracy(r, ZeroShot.Score.SYMILE, 1.0, new RngStream(1), new RngStream(5));
        assertNotEquals(b1, b2);
        assertTrue(Math.abs(b1 - 1.0 / 3) < 0.12 && Math.abs(b2 - 1.0 / 3) < 0.12, b1 + " " + b2);
    }

    @Test
    void badLabelsAreRejectedWithTheFileName(@TempDir Path bad) {
        SyntheticMimic.write(bad, new SyntheticMimic.Config(10, 10, 10, 8, 16, 2, 0.3, 5));
        long[] l = new long[100];
        l[3] = 2;
        NpyFile.write(bad.resolve("test/label_test.npy"), Nd4j.createFromArray(l));
        try (MimicSplit s = MimicSplit.open(bad, "test")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MimicRetrieval.of(s, "bad/test"));
            assertTrue(e.getMessage().contains("bad/test") && e.getMessage().contains("row 3"), e.getMessage());
        }
    }
}
