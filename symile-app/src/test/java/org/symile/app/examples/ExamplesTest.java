package org.symile.app.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.CliRunner;
import org.symile.app.spec.LossFn;

/** The package's examples as DL4J pipelines, at small sizes. */
class ExamplesTest {

    private static BinaryXor8Example.Config xor(int modalities, LossFn fn, int epochs) {
        return new BinaryXor8Example.Config(modalities, 16, fn, epochs, 0.1, 0.01, 500, 2000, 500, 1000, -0.3, 0);
    }

    @Test
    void theLastModalityIsTheXorOfTheOthers() {
        INDArray[] v = XorBits.draw(200, 5, new SplittableRandom(3));
        for (int i = 0; i < 200; i++) {
            int x = 0;
            for (int m = 0; m < 4; m++) {
                float b = v[m].getFloat(i, 0);
                assertTrue(b == 0f || b == 1f);
                x ^= (int) b;
            }
            assertEquals(x, v[4].getFloat(i, 0), 0f);
        }
    }

    /** Three modalities, c = a XOR b: only the three-way interaction predicts a, which Symile learns and CLIP cannot. */
    @Test
    void symileLearnsTheXorAndClipStaysAtChance() {
        BinaryXor8Example.Result symile = BinaryXor8Example.run(xor(3, LossFn.SYMILE, 12));
        BinaryXor8Example.Result clip = BinaryXor8Example.run(xor(3, LossFn.CLIP, 12));
        assertTrue(symile.testAcc() > 0.9, "Symile " + symile.testAcc());
        assertTrue(clip.testAcc() < 0.65, "CLIP " + clip.testAcc());
        assertEquals(12, symile.valLosses().size());
        assertEquals(symile.valLosses().stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                symile.valLosses().get(symile.bestEpoch() - 1), 0.0, "the kept state is the best validation loss");
    }

    @Test
    void missingBitsAreZeroedAndFlagged() {
        int[][] bits = MissingModalitiesExample.bits(400, 3, new SplittableRandom(1));
        INDArray[] in = MissingModalitiesExample.withMissingness(bits, 3, 0.5, new SplittableRandom(2));
        int missing = 0;
        for (int m = 0; m < 3; m++) {
            for (int i = 0; i < 400; i++) {
                boolean gone = in[m].getFloat(i, 3) == 1f;
                missing += gone ? 1 : 0;
                for (int j = 0; j < 3; j++) {
                    assertEquals(gone ? 0 : (bits[m][i] >> j) & 1, in[m].getFloat(i, j), 0f);
                }
            }
            for (int i = 0; i < 400; i++) {
                assertEquals(bits[0][i] ^ bits[1][i], bits[2][i]);
            }
        }
        assertTrue(missing > 500 && missing < 700, "missing " + missing + " of 1200");
    }

    @Test
    void trainingWithMissingModalitiesStillLearns() {
        MissingModalitiesExample.Result r = MissingModalitiesExample.run(new MissingModalitiesExample.Config(2, 16,
                LossFn.SYMILE, 0.3, 12, 0.1, 0.01, 500, 2000, 500, 1000, -0.3, 0));
        assertTrue(r.testAcc() > 0.8, "accuracy " + r.testAcc() + " (chance " + r.chance() + ")");
    }

    @Test
    void commandLineRunsAndRefusesBadFlags() {
        CliRunner.Run ok = CliRunner.run("example", "binary_xor_8", "--modalities", "3", "--epochs", "2",
                "--train_n", "1000", "--batch_sz", "500", "--val_n", "200", "--test_n", "200");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("\"test_acc\""), ok.out());
        CliRunner.Run bad = CliRunner.run("example", "missing_modalities", "--q", "0.2,1.5");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--q") && bad.err().contains("1.5"), bad.err());
        assertEquals(2, CliRunner.run("example", "binary_xor_8", "--batch_sz", "1").code());
        CliRunner.Run triangle = CliRunner.run("example", "binary_xor_8", "--loss_fn", "triangle");
        assertEquals(2, triangle.code());
        assertEquals("symile example binary_xor_8: --loss_fn triangle: defined for exactly 3 modalities, got M = 8",
                triangle.err().strip());
        CliRunner.Run flat = CliRunner.run("example", "binary_xor_8", "--loss_fn", "gram", "--d", "4");
        assertEquals(2, flat.code());
        assertTrue(flat.err().contains("--loss_fn gram") && flat.err().contains("d = 4"), flat.err());
        CliRunner.Run gram = CliRunner.run("example", "binary_xor_8", "--modalities", "3", "--loss_fn", "gram",
                "--epochs", "2", "--train_n", "1000", "--batch_sz", "500", "--val_n", "200", "--test_n", "200");
        assertEquals(0, gram.code(), gram.err());
        assertTrue(gram.out().contains("\"loss_fn\" : \"gram\""), gram.out());
        assertEquals(2, CliRunner.run("example").code());
        assertThrows(IllegalArgumentException.class, () -> xor(1, LossFn.SYMILE, 1));
    }
}
