package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.symile.app.CliRunner;
import org.symile.app.spec.TrainFlags;

class TrainCommandTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--experiment nope|--experiment",
            "--experiment binary_xor --batch_sz_train -5|--batch_sz_train",
            "--experiment binary_xor --loss_fn clip --negative_sampling n_squared|--negative_sampling",
            "--experiment binary_xor --lr|--lr",
            "--experiment symile_m3|--data_dir",
            "--experiment binary_xor --use_seed maybe|--use_seed",
            "--experiment binary_xor --negative_sampling n_cubed|negative_sampling",
            "--experiment binary_xor --epochs 0|--epochs",
            "--experiment binary_xor --no_such_flag 3|--no_such_flag",
            "--experiment binary_xor --memory_lean True|--memory_lean",
            "--experiment binary_xor --p_hats 0.5,1.5|--p_hats",
            "--experiment binary_xor --num_langs 5|--num_langs",
            "--experiment binary_xor --loss_fn gram --d 2|--loss_fn gram",
            "--experiment binary_xor --loss_fn gram --anchors text|--anchors",
            "--experiment binary_xor --label_smoothing 2|--label_smoothing",
            "--experiment binary_xor --anchors text|--anchors",
            "--experiment binary_xor --loss_fn triangle --label_smoothing 1.0|--label_smoothing",
            "--batch_sz_train 3|--experiment"})
    void badFlagsExitWithStatus2AndOneLineNamingTheFlag(String args, String flag) {
        CliRunner.Run r = CliRunner.run(("train " + args).split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(flag), r.err());
    }

    /** A mistyped flag gets the nearest real one; a far-off name gets no guess. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"--epoch 3|did you mean --epochs?", "--lr_rate 0.1|did you mean --lr?",
            "--batch_size_train 8|did you mean --batch_sz_train?", "--qwertyuiop 1|"})
    void aMistypedFlagGetsTheNearestOne(String typo, String hint) {
        CliRunner.Run r = CliRunner.run(("train --experiment binary_xor " + typo).split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        if (hint == null) {
            assertTrue(!r.err().contains("did you mean"), r.err());
        } else {
            assertTrue(r.err().contains(hint), r.err());
        }
    }

    /** A finished run ends with one line naming its directory and what it wrote there. */
    @Test
    void aRunEndsWithTheLineNamingWhatItWrote(@TempDir Path root) {
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--p_hats", "1.0", "--epochs", "1",
                "--train_n", "200", "--val_n", "100", "--test_n", "100", "--batch_sz_train", "100",
                "--batch_sz_val", "100", "--batch_sz_test", "100", "--ckpt_save_dir", root.toString());
        assertEquals(0, r.code(), r.err());
        String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("wrote " + root), last);
        assertTrue(last.contains("binary_xor_results.csv") && last.contains("binary_xor_results.png")
                && last.contains("run_info.json"), last);
    }

    /** A data directory that does not exist is named as such, not as a missing split. */
    @Test
    void aMissingDataDirectoryIsNamed(@TempDir Path root) {
        Path missing = root.resolve("no_such_dir");
        CliRunner.Run r = CliRunner.run("train", "--experiment", "symile_m3", "--data_dir", missing.toString(),
                "--ckpt_save_dir", root.resolve("runs").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("--data_dir: " + missing + " does not exist"), r.err());
        assertTrue(Files.notExists(root.resolve("runs")));
    }

    /** A binary_xor split smaller than its batch is refused before any run directory exists. */
    @Test
    void aSplitSmallerThanItsBatchIsRefusedBeforeAnythingIsWritten(@TempDir Path root) {
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--val_n", "500", "--ckpt_save_dir",
                root.resolve("runs").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--val_n: 500 samples make no whole batch of --batch_sz_val 1000"), r.err());
        assertTrue(Files.notExists(root.resolve("runs")));
    }

    /** Validation happens before anything is created: no run directory for a value the spec refuses. */
    @Test
    void aBadLimitIsRefusedBeforeTheRunDirectoryExists(@TempDir Path root) {
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--limit_train_batches", "1.5",
                "--ckpt_save_dir", root.resolve("runs").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--limit_train_batches"), r.err());
        assertTrue(Files.notExists(root.resolve("runs")));
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        CliRunner.Run r = CliRunner.run("train", "--help");
        assertEquals(0, r.code());
        for (TrainFlags.Flag f : TrainFlags.all()) {
            assertTrue(r.out().contains("--" + f.name() + "="), f.name());
        }
        assertTrue(r.out().contains("[1000 / 256 / 280 / 256]"), "per-experiment defaults are shown");
        assertTrue(r.out().contains("default: ckpts"));
    }
}
