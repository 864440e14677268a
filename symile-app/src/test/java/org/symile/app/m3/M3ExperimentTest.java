package org.symile.app.m3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;
import org.symile.app.train.Checkpoint;
import org.symile.data.synthetic.SyntheticM3;

class M3ExperimentTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void generate() {
        SyntheticM3.write(data.resolve("m3"), new SyntheticM3.Config(200, 60, 60, 2, 2, 4, 8, 8, 0.1, 11));
    }

    static String[] tiny(Path saveDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--experiment", "symile_m3", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_save_dir", saveDir.toString(), "--d", "16",
                "--text_hidden", "16", "--text_heads", "2", "--batch_sz_train", "50", "--batch_sz_val", "60",
                "--epochs", "2", "--check_val_every_n_epoch", "1", "--lr", "0.003", "--logit_scale_init", "1.0", "--use_seed", "True", "--seed", "5"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    static Path onlyRun(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            List<Path> runs = s.filter(Files::isDirectory).toList();
            assertEquals(1, runs.size(), runs.toString());
            return runs.get(0);
        }
    }

    @Test
    void trainsReproduciblyAndTests(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root.resolve("a")));
        assertEquals(0, r.code(), r.err());
        assertEquals(0, CliRunner.run(tiny(root.resolve("b"))).code());
        Path run = onlyRun(root.resolve("a"));
        JsonNode info = new ObjectMapper().readTree(run.resolve("run_info.json").toFile());
        assertEquals(2, info.path("validation_metrics").size());
        assertEquals(info.path("validation_metrics"), new ObjectMapper().readTree(onlyRun(root.resolve("b"))
                .resolve("run_info.json").toFile()).path("validation_metrics"));
        for (JsonNode v : info.path("validation_metrics")) {
            double acc = v.path("val_acc").asDouble(-1);
            assertTrue(acc >= 0 && acc <= 1, v.toString());
        }
        assertTrue(Files.exists(run.resolve("last.ckpt")));
        assertTrue(Files.list(run).anyMatch(p -> p.getFileName().toString().startsWith("epoch=1-val_loss=")));

        Path ckpt = run.resolve("last.ckpt");
        CliRunner.Run t = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "25", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir",
                root.resolve("t").toString());
        assertEquals(0, t.code(), t.err());
        double acc = new ObjectMapper().readTree(onlyRun(root.resolve("t")).resolve("results.json").toFile())
                .path("test_acc").asDouble(-1);
        assertTrue(acc >= 0 && acc <= 1, "test_acc " + acc);
        // the test set has 60 rows: accuracy is a multiple of 1/60 whatever the encoding chunk size
        assertEquals(0, Math.abs(acc * 60 - Math.rint(acc * 60)), 1e-9);
        CliRunner.Run b = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "60", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir",
                root.resolve("t2").toString());
        assertEquals(0, b.code(), b.err());
        assertEquals(acc, new ObjectMapper().readTree(onlyRun(root.resolve("t2")).resolve("results.json")
                .toFile()).path("test_acc").asDouble(-1), 0.0, "accuracy must not depend on --batch_sz_test");
        CliRunner.Run boot = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "60",
                "--data_dir", data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir",
                root.resolve("boot").toString(), "--bootstrap", "True", "--bootstrap_n", "2");
        assertEquals(0, boot.code(), boot.err());
        assertEquals(3, Files.readAllLines(onlyRun(root.resolve("boot")).resolve("bootstrap_metrics.csv")).size());
    }

    @Test
    void learnsTheSyntheticTask(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root, "--epochs", "16", "--check_val_every_n_epoch", "4"));
        assertEquals(0, r.code(), r.err());
        JsonNode last = new ObjectMapper().readTree(onlyRun(root).resolve("run_info.json").toFile())
                .path("validation_metrics").get(3);
        assertEquals(15, last.path("epoch").asInt());
        // 4 classes: chance is 0.25 (0.93 measured with these settings)
        assertTrue(last.path("val_acc").asDouble() > 0.75, last.toString());
    }

    @Test
    void missingnessTrainsWithMissingTokenAndMeanFill(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root, "--missingness", "True", "--missingness_prob", "0.5",
                "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
        Path ckpt = onlyRun(root).resolve("last.ckpt");
        Checkpoint c = Checkpoint.read(ckpt);
        assertTrue(c.meta().path("model").path("missingness").asBoolean());
        assertTrue(c.variables().keySet().stream().anyMatch(k -> k.contains("missing")),
                c.variables().keySet().toString());
        CliRunner.Run t = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "30", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir",
                root.resolve("t").toString());
        assertEquals(0, t.code(), t.err());
    }

    @Test
    void missingnessWithoutProbabilityIsAUsageError(@TempDir Path root) {
        CliRunner.Run r = CliRunner.run(tiny(root, "--missingness", "True"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--missingness_prob"), r.err());
    }

    @Test
    void resumingFromAnotherExperimentsCheckpointIsAUsageError(@TempDir Path root) throws IOException {
        Path xor = root.resolve("xor");
        assertEquals(0, CliRunner.run("train", "--experiment", "binary_xor", "--p_hats", "0.5", "--epochs", "1",
                "--train_n", "32", "--val_n", "16", "--test_n", "16", "--batch_sz_train", "16", "--batch_sz_val", "16",
                "--batch_sz_test", "16", "--ckpt_save_dir", xor.toString()).code());
        Path ckpt = onlyRun(xor).resolve("p_hat_0.5/last.ckpt");
        CliRunner.Run r = CliRunner.run(tiny(root.resolve("m3"), "--ckpt_path", ckpt.toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--ckpt_path") && r.err().contains("'binary_xor', not symile_m3"), r.err());
        assertTrue(Files.notExists(root.resolve("m3")), "no run directory for a refused resume");
    }
}
