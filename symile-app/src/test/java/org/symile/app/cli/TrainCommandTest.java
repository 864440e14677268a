package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.symile.app.CliRunner;
import org.symile.app.config.Experiment;
import org.symile.app.config.TrainArgs;
import org.symile.samediff.NegativeSampling;
import picocli.CommandLine;

class TrainCommandTest {

    static TrainArgs parse(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).setOverwrittenOptionsAllowed(true).parseArgs(args);
        return cmd.toArgs();
    }

    @Test
    void binaryXorDefaultsAreUpstreamScripts() {
        TrainArgs a = parse("--experiment", "binary_xor");
        assertEquals(Experiment.BINARY_XOR, a.experiment());
        assertEquals(5, a.xor().dV());
        assertEquals(16, a.d());
        assertEquals(List.of(1000, 1000, 1000), List.of(a.batchSzTrain(), a.batchSzVal(), a.batchSzTest()));
        assertEquals(100, a.epochs());
        assertEquals(0.1, a.lr(), 0.0);
        assertEquals(0.01, a.weightDecay(), 0.0);
        assertEquals(-0.3, a.logitScaleInit(), 0.0);
        assertEquals(NegativeSampling.N, a.negativeSampling());
        assertEquals(List.of(10_000, 1_000, 5_000), List.of(a.xor().trainN(), a.xor().valN(), a.xor().testN()));
        assertEquals(0, a.seed());
        assertFalse(a.useSeed());
        assertEquals("symile", a.lossFn());
        assertEquals(11, a.xor().pHats().size());
        assertEquals(1.0, a.xor().pHats().get(10), 0.0);
        assertFalse(a.xor().bootstrap());
        assertEquals(10, a.xor().bootstrapN());
    }

    @Test
    void experimentDefaultsForM3AndMimic() {
        TrainArgs m3 = parse("--experiment", "symile_m3", "--data_dir", "x");
        assertEquals(List.of(256, 8192, 24), List.of(m3.batchSzTrain(), m3.d(), m3.epochs()));
        assertEquals(1e-4, m3.lr(), 0.0);
        TrainArgs miss = parse("--experiment", "symile_m3", "--data_dir", "x", "--missingness", "True",
                "--missingness_prob", "0.7");
        assertEquals(1e-5, miss.lr(), 0.0);
        assertEquals(0.001, miss.weightDecay(), 0.0);
        TrainArgs mimic = parse("--experiment", "symile_mimic", "--data_dir", "x");
        assertEquals(NegativeSampling.N_SQUARED, mimic.negativeSampling());
        assertEquals(List.of(280, 256, 80), List.of(mimic.batchSzTrain(), mimic.batchSzTest(), mimic.epochs()));
        assertEquals(-7.0, mimic.logitScaleInit(), 0.0);
    }

    @ParameterizedTest
    @CsvSource({"True,true", "false,false", "YES,true", "n,false", "1,true", "0,false", "t,true", "F,false"})
    void booleansAcceptUpstreamSpellings(String value, boolean expected) {
        assertEquals(expected, parse("--experiment", "binary_xor", "--use_seed", value).useSeed());
    }

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
            "--batch_sz_train 3|--experiment"})
    void badFlagsExitWithStatus2AndOneLineNamingTheFlag(String args, String flag) {
        CliRunner.Run r = CliRunner.run(("train " + args).split(" "));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(flag), r.err());
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        CliRunner.Run r = CliRunner.run("train", "--help");
        assertEquals(0, r.code());
        for (String flag : new String[] {"--experiment", "--batch_sz_train", "--batch_sz_val", "--batch_sz_test",
                "--check_val_every_n_epoch", "--ckpt_save_dir", "--d", "--data_dir", "--drop_last",
                "--negative_sampling", "--epochs", "--freeze_logit_scale", "--ckpt_path", "--logit_scale_init",
                "--loss_fn", "--lr", "--weight_decay", "--seed", "--use_seed", "--wandb", "--wandb_run_id",
                "--limit_train_batches", "--limit_val_batches", "--train_n", "--val_n", "--test_n", "--d_v",
                "--bootstrap", "--bootstrap_n", "--pretrained", "--missingness", "--num_langs", "--text_model_id"}) {
            assertTrue(r.out().contains(flag), flag);
        }
        assertTrue(r.out().contains("[1000 / 256 / 280]"), "per-experiment defaults are shown");
        assertTrue(r.out().contains("default: ckpts"));
    }
}
