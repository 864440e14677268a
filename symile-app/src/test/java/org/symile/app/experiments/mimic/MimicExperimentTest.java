package org.symile.app.experiments.mimic;

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
import org.symile.app.memory.MemoryBudget;
import org.symile.app.run.Checkpoint;
import org.symile.data.synthetic.SyntheticMimic;

class MimicExperimentTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void generate() {
        SyntheticMimic.write(data.resolve("mimic"), new SyntheticMimic.Config(40, 10, 10, 16, 32, 4, 0.3, 7));
    }

    static String[] tiny(Path saveDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--experiment", "symile_mimic", "--data_dir",
                data.resolve("mimic").toString(), "--ckpt_save_dir", saveDir.toString(), "--d", "8",
                "--resnet_base_width", "4", "--batch_sz_train", "20", "--batch_sz_val", "30", "--epochs", "2",
                "--use_seed", "True", "--seed", "3"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }


    @Test
    void trainsWithCheckpointsRunInfoAndIsReproducible(@TempDir Path root) throws IOException {
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        CliRunner.Run r = CliRunner.run(tiny(a));
        assertEquals(0, r.code(), r.err());
        assertEquals(0, CliRunner.run(tiny(b)).code());
        Path run = CliRunner.onlyRun(a);
        JsonNode info = new ObjectMapper().readTree(run.resolve("run_info.json").toFile());
        assertEquals(2, info.path("validation_metrics").size());
        for (JsonNode v : info.path("validation_metrics")) {
            double acc = v.path("val_acc").asDouble(-1);
            assertTrue(acc >= 0 && acc <= 1, v.toString());
            assertTrue(Double.isFinite(v.path("val_loss").asDouble(Double.NaN)), v.toString());
        }
        assertEquals("symile_mimic", info.path("args").path("experiment").asText());
        assertEquals(4, info.path("args").path("resnet_base_width").asInt());
        try (Stream<Path> s = Files.list(run)) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ckpt")).sorted()
                    .toList();
            assertEquals(3, names.size(), names.toString());
            assertTrue(names.get(0).matches("epoch=0-val_loss=\\d+\\.\\d{4}\\.ckpt"), names.toString());
            assertTrue(names.get(1).startsWith("epoch=1-"), names.toString());
        }
        JsonNode infoB = new ObjectMapper().readTree(CliRunner.onlyRun(b).resolve("run_info.json").toFile());
        assertEquals(info.path("validation_metrics"), infoB.path("validation_metrics"));
        var va = Checkpoint.read(run.resolve("last.ckpt")).variables();
        var vb = Checkpoint.read(CliRunner.onlyRun(b).resolve("last.ckpt")).variables();
        assertTrue(va.keySet().stream().anyMatch(k -> k.endsWith("bn1_var")), va.keySet().toString());
        for (String k : va.keySet()) {
            assertEquals(va.get(k), vb.get(k), k);
        }
        // batch-norm running statistics moved away from their initial values while training
        var rv = va.get(va.keySet().stream().filter(k -> k.endsWith("bn1_mean")).findFirst().orElseThrow());
        assertTrue(rv.norm2Number().doubleValue() > 0, "running mean was never updated");
    }

    @Test
    void testCommandWritesResultsAndBootstrap(@TempDir Path root) throws IOException {
        assertEquals(0, CliRunner.run(tiny(root.resolve("train"), "--epochs", "1")).code());
        Path ckpt = CliRunner.onlyRun(root.resolve("train")).resolve("last.ckpt");
        String[] base = {"test", "--experiment", "symile_mimic", "--batch_sz_test", "32", "--data_dir",
                data.resolve("mimic").toString(), "--ckpt_path", ckpt.toString()};
        CliRunner.Run plain = CliRunner.run(CliRunner.concat(base, "--save_dir", root.resolve("t").toString(),
                "--description", "tiny"));
        assertEquals(0, plain.code(), plain.err());
        JsonNode res = new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("t")).resolve("results.json").toFile());
        double acc = res.path("test_acc").asDouble(-1);
        assertTrue(acc >= 0 && acc <= 1 && Math.abs(acc * 10 - Math.rint(acc * 10)) < 1e-9, res.toString());
        assertEquals("tiny", res.path("description").asText());

        CliRunner.Run boot = CliRunner.run(CliRunner.concat(base, "--save_dir", root.resolve("b").toString(), "--bootstrap",
                "True", "--bootstrap_n", "3"));
        assertEquals(0, boot.code(), boot.err());
        List<String> csv = Files.readAllLines(CliRunner.onlyRun(root.resolve("b")).resolve("bootstrap_metrics.csv"));
        assertEquals(List.of("test_acc"), csv.subList(0, 1));
        assertEquals(4, csv.size());
        // 10 test queries: every resample's accuracy is a multiple of 0.1, and the resamples are seeded
        for (String line : csv.subList(1, 4)) {
            double a = Double.parseDouble(line);
            assertTrue(a >= 0 && a <= 1 && Math.abs(a * 10 - Math.rint(a * 10)) < 1e-9, line);
        }
        CliRunner.Run again = CliRunner.run(CliRunner.concat(base, "--save_dir", root.resolve("b2").toString(), "--bootstrap",
                "True", "--bootstrap_n", "3"));
        assertEquals(0, again.code(), again.err());
        assertEquals(csv, Files.readAllLines(CliRunner.onlyRun(root.resolve("b2")).resolve("bootstrap_metrics.csv")));

        CliRunner.Run wrong = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "32",
                "--data_dir", data.toString(), "--ckpt_path", ckpt.toString(), "--save_dir", root.toString());
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("symile_mimic checkpoint"), wrong.err());
    }

    /**
     * The whole pipeline learns: on an easy synthetic set (two latent factors, little noise) CXR retrieval among
     * 10 candidates rises far above chance (0.1) within 14 short epochs (0.43 on 60 queries measured).
     */
    @Test
    void learnsTheSyntheticTask(@TempDir Path root) throws IOException {
        Path easy = root.resolve("easy");
        SyntheticMimic.write(easy, new SyntheticMimic.Config(240, 60, 10, 8, 16, 2, 0.05, 7));
        CliRunner.Run r = CliRunner.run("train", "--experiment", "symile_mimic", "--data_dir", easy.toString(),
                "--ckpt_save_dir", root.resolve("runs").toString(), "--d", "16", "--resnet_base_width", "4",
                "--batch_sz_train", "30", "--batch_sz_val", "60", "--lr", "1e-2", "--logit_scale_init", "0",
                "--weight_decay", "0.01", "--negative_sampling", "n", "--epochs", "14", "--check_val_every_n_epoch",
                "7", "--use_seed", "True", "--seed", "1");
        assertEquals(0, r.code(), r.err());
        JsonNode v = new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("runs")).resolve("run_info.json").toFile())
                .path("validation_metrics");
        assertEquals(2, v.size());
        assertTrue(v.get(1).path("val_acc").asDouble() >= 0.3, v.toString());
        assertTrue(v.get(1).path("val_loss").asDouble() < v.get(0).path("val_loss").asDouble() - 0.3, v.toString());
    }

    @Test
    void missingSplitIsAUsageErrorNamingTheFile(@TempDir Path root) throws IOException {
        Path broken = root.resolve("broken");
        SyntheticMimic.write(broken, new SyntheticMimic.Config(10, 10, 10, 8, 16, 2, 0.3, 1));
        Files.delete(broken.resolve("val_retrieval").resolve("label_val_retrieval.npy"));
        CliRunner.Run r = CliRunner.run("train", "--experiment", "symile_mimic", "--data_dir", broken.toString(),
                "--ckpt_save_dir", root.resolve("runs").toString(), "--d", "4", "--resnet_base_width", "2");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("label"), r.err());
    }

    /** Stopping after one epoch and resuming from last.ckpt ends exactly where an uninterrupted run does. */
    @Test
    void resumedRunContinuesExactly(@TempDir Path root) throws IOException {
        Path whole = root.resolve("whole");
        Path cut = root.resolve("cut");
        assertEquals(0, CliRunner.run(tiny(whole)).code());
        assertEquals(0, CliRunner.run(tiny(cut, "--epochs", "1")).code());
        Path last = CliRunner.onlyRun(cut).resolve("last.ckpt");
        CliRunner.Run r = CliRunner.run(tiny(cut, "--ckpt_path", last.toString()));
        assertEquals(0, r.code(), r.err());
        Checkpoint a = Checkpoint.read(CliRunner.onlyRun(whole).resolve("last.ckpt"));
        Checkpoint b = Checkpoint.read(CliRunner.onlyRun(cut).resolve("last.ckpt"));
        assertEquals(a.variables().keySet(), b.variables().keySet());
        for (String k : a.variables().keySet()) {
            assertEquals(a.variables().get(k), b.variables().get(k), k);
        }
        assertEquals(a.optimizer().keySet(), b.optimizer().keySet());
        for (String k : a.optimizer().keySet()) {
            assertEquals(a.optimizer().get(k), b.optimizer().get(k), k);
        }
        assertEquals(a.meta().optimizerSteps(), b.meta().optimizerSteps());
        assertEquals(a.meta().validationMetrics(), b.meta().validationMetrics());
    }

    /**
     * Gradient-cached: batches of 20 encoded 7 rows at a time (7 + 7 + 6) train, record the flag, and a run resumed
     * after its first epoch ends exactly where the uninterrupted one does; a plain checkpoint continues micro-batched.
     */
    @Test
    void microBatchedRunTrainsAndResumesExactly(@TempDir Path root) throws IOException {
        Path whole = root.resolve("whole");
        Path cut = root.resolve("cut");
        CliRunner.Run w = CliRunner.run(tiny(whole, "--micro_batch_sz", "7"));
        assertEquals(0, w.code(), w.err());
        assertEquals(0, CliRunner.run(tiny(cut, "--micro_batch_sz", "7", "--epochs", "1")).code());
        Path last = CliRunner.onlyRun(cut).resolve("last.ckpt");
        CliRunner.Run r = CliRunner.run(tiny(cut, "--micro_batch_sz", "7", "--ckpt_path", last.toString()));
        assertEquals(0, r.code(), r.err());
        Checkpoint a = Checkpoint.read(CliRunner.onlyRun(whole).resolve("last.ckpt"));
        Checkpoint b = Checkpoint.read(CliRunner.onlyRun(cut).resolve("last.ckpt"));
        assertEquals(7, a.meta().args().path("micro_batch_sz").asInt());
        for (String k : a.variables().keySet()) {
            assertEquals(a.variables().get(k), b.variables().get(k), k);
        }
        for (String k : a.optimizer().keySet()) {
            assertEquals(a.optimizer().get(k), b.optimizer().get(k), k);
        }
        assertEquals(a.meta().validationMetrics(), b.meta().validationMetrics());
        assertTrue(Double.isFinite(a.meta().validationMetrics().get(1).valLoss()));
        // a plain run's checkpoint continues with micro-batches (the same weights and state)
        Path plain = root.resolve("plain");
        assertEquals(0, CliRunner.run(tiny(plain, "--epochs", "1")).code());
        CliRunner.Run on = CliRunner.run(tiny(plain, "--micro_batch_sz", "10", "--ckpt_path",
                CliRunner.onlyRun(plain).resolve("last.ckpt").toString()));
        assertEquals(0, on.code(), on.err());
    }

    /** A batch whose step cannot fit the memory budget is refused before training, leaving no run directory. */
    @Test
    void batchThatCannotFitIsRefusedUpFront(@TempDir Path root) throws IOException {
        String before = System.getProperty(MemoryBudget.LIMIT_PROPERTY);
        System.setProperty(MemoryBudget.LIMIT_PROPERTY, "64");
        try {
            CliRunner.Run r = CliRunner.run(tiny(root.resolve("runs")));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("--batch_sz_train 20") && r.err().contains(MemoryBudget.LIMIT_PROPERTY)
                    && r.err().contains("symile_mimic training step"), r.err());
            try (Stream<Path> s = Files.list(root.resolve("runs"))) {
                assertEquals(0, s.count(), "no run directory is left behind");
            }
        } finally {
            if (before == null) {
                System.clearProperty(MemoryBudget.LIMIT_PROPERTY);
            } else {
                System.setProperty(MemoryBudget.LIMIT_PROPERTY, before);
            }
        }
    }
}
