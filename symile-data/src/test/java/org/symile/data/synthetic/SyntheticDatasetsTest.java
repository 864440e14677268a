package org.symile.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.m3.M3Layout;
import org.symile.data.m3.M3Split;
import org.symile.data.mimic.MimicLayout;
import org.symile.data.mimic.MimicSplit;

class SyntheticDatasetsTest {

    @Test
    void m3ImageClassIsDeterminedByAudioLanguageAndTextTogether(@TempDir Path out) {
        SyntheticM3.Config c = new SyntheticM3.Config(300, 50, 50, 5, 3, 7, 8, 8, 0.1, 1);
        SyntheticM3.write(out, c);
        assertTrue(Files.exists(out.resolve("metadata.json")));
        for (String split : List.of("train", "val", "test")) {
            try (M3Split s = M3Split.open(out, split, split.equals("test") ? null : 0.7)) {
                assertEquals(split.equals("train") ? 300 : 50, s.rows());
                assertEquals(5, s.textLength());
            }
        }
        try (M3Split s = M3Split.open(out, "train", null)) {
            INDArray ids = s.inputs(DataType.FLOAT).get(2).source().read().castTo(DataType.INT);
            INDArray cls = s.classIds().read();
            List<String> langs = s.languages();
            List<String> all = M3Layout.languages(5);
            for (int r = 0; r < 300; r++) {
                int lang = all.indexOf(langs.get(r));
                int matches = 0;
                int targetWords = 0;
                for (int w = 1; w <= 3; w++) {
                    int word = ids.getInt(r, w) - 3;
                    int wc = word / 5;
                    int wl = word % 5;
                    if (wl == lang) {
                        matches++;
                        assertEquals(cls.getInt(r), wc, "the word in the audio's language names the class");
                    }
                    targetWords += wc == cls.getInt(r) ? 1 : 0;
                }
                assertEquals(1, matches, "exactly one word is in the audio's language");
                assertEquals(1, targetWords, "the class appears once, so text alone leaves 3 candidates");
            }
        }
    }

    @Test
    void binaryXorIteratorFollowsTheGeneratingProcess() {
        var it = BinaryXor.iterator(200, 4, 1.0, new java.util.SplittableRandom(1), 64, true,
                new java.util.SplittableRandom(2));
        assertEquals(3, it.batchCount());
        int rows = 0;
        while (it.hasNext()) {
            var m = it.next();
            INDArray a = m.getFeatures(0);
            INDArray b = m.getFeatures(1);
            INDArray c = m.getFeatures(2);
            for (int r = 0; r < a.rows(); r++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals((a.getInt(r, j) + b.getInt(r, j)) % 2, c.getInt(r, j), "p_hat 1: c = a xor b");
                }
            }
            rows += (int) a.rows();
        }
        assertEquals(192, rows);
        assertEquals(List.of(0L, 5L, 15L), List.of(BinaryXor.indices(BinaryXor.candidates(4))[0],
                BinaryXor.indices(BinaryXor.candidates(4))[5], BinaryXor.indices(BinaryXor.candidates(4))[15]));
    }

    @Test
    void mimicWritesPlainAndRetrievalSplits(@TempDir Path out) {
        SyntheticMimic.write(out, new SyntheticMimic.Config(40, 12, 15, 16, 32, 4, 0.2, 3));
        try (MimicSplit train = MimicSplit.open(out, "train")) {
            assertEquals(40, train.rows());
            assertEquals(List.of(3L, 16L, 16L), List.of(train.cxrShape()[0], train.cxrShape()[1], train.cxrShape()[2]));
        }
        for (String split : List.of("val_retrieval", "test")) {
            try (MimicSplit s = MimicSplit.open(out, split)) {
                long n = split.equals("test") ? 15 : 12;
                assertEquals(n * MimicLayout.CANDIDATES, s.rows());
                long[] label = s.labels().read().toLongVector();
                long[] labelId = s.labelHadmIds().read().toLongVector();
                long[] id = s.hadmIds().read().toLongVector();
                for (int q = 0; q < n; q++) {
                    assertEquals(1, label[q]);
                    assertEquals(id[q], labelId[q]);
                    for (int k = 0; k < 9; k++) {
                        int row = (int) (n + q * 9 + k);
                        assertEquals(0, label[row]);
                        assertEquals(id[q], labelId[row], "negatives point at their query");
                        assertTrue(id[row] != id[q], "a negative is another admission");
                    }
                }
            }
        }
    }
}
