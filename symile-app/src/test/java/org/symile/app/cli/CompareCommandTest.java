package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;

class CompareCommandTest {

    /** Trains a tiny binary_xor run with the given objective and returns its run directory. */
    private static Path train(Path root, String lossFn, String dv) throws Exception {
        Path save = root.resolve(lossFn + dv);
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--loss_fn", lossFn, "--p_hats",
                "0.0,1.0", "--epochs", "1", "--train_n", "64", "--val_n", "32", "--test_n", "32", "--batch_sz_train",
                "16", "--batch_sz_val", "16", "--batch_sz_test", "16", "--d_v", dv, "--d", "8", "--use_seed", "True",
                "--ckpt_save_dir", save.toString());
        assertEquals(0, r.code(), r.err());
        try (var s = Files.list(save)) {
            return s.findFirst().orElseThrow();
        }
    }

    @Test
    void runsOfEachObjectiveShareOnePlotAndTable(@TempDir Path dir) throws Exception {
        Path symile = train(dir, "symile", "2");
        Path gram = train(dir, "gram", "2");
        Path out = dir.resolve("cmp");
        CliRunner.Run r = CliRunner.run("compare", "--out", out.toString(), symile.toString(), gram.toString());
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("binary_xor_comparison.csv"));
        assertEquals("p_hat,bayes_optimal,symile,gram", csv.get(0));
        assertEquals(3, csv.size(), csv.toString());
        // Bayes-optimal accuracy of predicting 2 bits: 1/4 at p_hat 0, 1 at p_hat 1
        assertTrue(csv.get(1).startsWith("0.0,0.2500,") && csv.get(2).startsWith("1.0,1.0000,"), csv.toString());
        String[] row = csv.get(2).split(",");
        assertEquals(4, row.length);
        for (int k = 2; k < 4; k++) {
            double acc = Double.parseDouble(row[k]);
            assertTrue(acc >= 0 && acc <= 1, csv.get(2));
        }
        assertTrue(Files.size(out.resolve("binary_xor_comparison.png")) > 1000);
        assertTrue(r.out().strip().endsWith("binary_xor_comparison.csv"), r.out());

        Path other = train(dir, "clip", "3");
        CliRunner.Run mixed = CliRunner.run("compare", "--out", out.toString(), symile.toString(), other.toString());
        assertEquals(2, mixed.code(), mixed.err());
        assertTrue(mixed.err().contains("d_v 3") && mixed.err().contains(other.toString()), mixed.err());
        CliRunner.Run missing = CliRunner.run("compare", "--out", out.toString(), dir.resolve("nope").toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err().contains("not a finished binary_xor run"), missing.err());
    }
}
