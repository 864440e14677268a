package org.symile.app.experiments.m3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.CliRunner;
import org.symile.app.run.Checkpoint;
import org.symile.app.run.Split;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.RngStream;
import org.symile.data.synthetic.SyntheticM3;
import org.symile.samediff.Permutations;

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


    @Test
    void trainsReproduciblyAndTests(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root.resolve("a")));
        assertEquals(0, r.code(), r.err());
        assertEquals(0, CliRunner.run(tiny(root.resolve("b"))).code());
        Path run = CliRunner.onlyRun(root.resolve("a"));
        JsonNode info = new ObjectMapper().readTree(run.resolve("run_info.json").toFile());
        assertEquals(2, info.path("validation_metrics").size());
        assertEquals(info.path("validation_metrics"), new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("b"))
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
        double acc = new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("t")).resolve("results.json").toFile())
                .path("test_acc").asDouble(-1);
        assertTrue(acc >= 0 && acc <= 1, "test_acc " + acc);
        // the test set has 60 rows: accuracy is a multiple of 1/60 whatever the encoding chunk size
        assertEquals(0, Math.abs(acc * 60 - Math.rint(acc * 60)), 1e-9);
        CliRunner.Run b = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "60", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir",
                root.resolve("t2").toString());
        assertEquals(0, b.code(), b.err());
        assertEquals(acc, new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("t2")).resolve("results.json")
                .toFile()).path("test_acc").asDouble(-1), 0.0, "accuracy must not depend on --batch_sz_test");
        List<String> boot = bootstrap(ckpt, root.resolve("boot"), "0");
        assertEquals("test_acc", boot.get(0));
        assertEquals(3, boot.size());
        for (String line : boot.subList(1, 3)) {
            double a = Double.parseDouble(line);
            assertTrue(a >= 0 && a <= 1 && Math.abs(a * 60 - Math.rint(a * 60)) < 1e-9, line);
        }
        // resampling is seeded by --seed: the same seed repeats it, another one draws other resamples
        assertEquals(boot, bootstrap(ckpt, root.resolve("boot_again"), "0"));
        assertTrue(!boot.equals(bootstrap(ckpt, root.resolve("boot_other"), "1")), boot.toString());
    }

    private static List<String> bootstrap(Path ckpt, Path saveDir, String seed) throws IOException {
        CliRunner.Run r = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "60", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir", saveDir.toString(),
                "--bootstrap", "True", "--bootstrap_n", "2", "--seed", seed);
        assertEquals(0, r.code(), r.err());
        return Files.readAllLines(CliRunner.onlyRun(saveDir).resolve("bootstrap_metrics.csv"));
    }

    @Test
    void learnsTheSyntheticTask(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root, "--epochs", "16", "--check_val_every_n_epoch", "4"));
        assertEquals(0, r.code(), r.err());
        JsonNode last = new ObjectMapper().readTree(CliRunner.onlyRun(root).resolve("run_info.json").toFile())
                .path("validation_metrics").get(3);
        assertEquals(15, last.path("epoch").asInt());
        // 4 classes: chance is 0.25 (0.93 measured with these settings)
        assertTrue(last.path("val_acc").asDouble() > 0.75, last.toString());
    }

    /**
     * The gradient-cached step equals the plain one within float rounding (the model is FLOAT; the same equality is
     * tested to 1e-12 in DOUBLE on SameDiffModel): one batch of 50 encoded 8 rows at a time (7 micro-batches, the
     * last 2 smaller), for Symile O(N) with the same permutations and for CLIP, and with text dropout, whose masks
     * both passes of the cached step and the plain step draw alike.
     */
    @ParameterizedTest
    @CsvSource({"symile,0.0", "clip,0.0", "symile,0.3"})
    void aMicroBatchedStepIsThePlainStepWithinFloatRounding(String lossFn, String dropout, @TempDir Path root) {
        RunSpec plainSpec = RunSpec.fromFlags(flags(root, "--loss_fn", lossFn, "--text_dropout", dropout));
        RunSpec cachedSpec = RunSpec.fromFlags(flags(root, "--loss_fn", lossFn, "--micro_batch_sz", "8",
                "--text_dropout", dropout));
        try (M3Experiment plain = M3Experiment.open(plainSpec, null, EnumSet.of(Split.TRAIN, Split.VAL));
             M3Experiment cached = M3Experiment.open(cachedSpec, null, EnumSet.of(Split.TRAIN, Split.VAL))) {
            M3Model p = plain.buildModel(new RngStream(4), false);
            M3Model c = cached.buildModel(new RngStream(4), false);
            Batch b = plain.batches(Split.TRAIN).epoch(new RngStream(1)).next();
            var gp = p.gradients(b, Permutations.random(new RngStream(2)));
            var gc = c.gradients(b, Permutations.random(new RngStream(2)));
            assertEquals(gp.loss(), gc.loss(), 1e-5 * Math.abs(gp.loss()));
            assertEquals(gp.arrays().keySet(), gc.arrays().keySet());
            double worst = 0;
            for (String k : gp.arrays().keySet()) {
                INDArray a = gp.arrays().get(k);
                // relative to the tensor's largest gradient, or absolute where the gradient is zero in exact
                // arithmetic and only rounding remains (the attention key bias: softmax ignores a per-row shift)
                double scale = Math.max(a.amaxNumber().doubleValue(), 1e-3);
                worst = Math.max(worst, a.sub(gc.arrays().get(k)).amaxNumber().doubleValue() / scale);
            }
            assertTrue(worst < 1e-4, "largest gradient difference relative to the tensor's largest: " + worst);
            assertEquals(p.evalLoss(b, Permutations.random(new RngStream(3))), c.evalLoss(b,
                    Permutations.random(new RngStream(3))), 1e-5 * Math.abs(gp.loss()));
        }
    }

    private static Map<String, String> flags(Path root, String... extra) {
        String[] t = tiny(root);
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 1; i + 1 < t.length; i += 2) {
            m.put(t[i].substring(2), t[i + 1]);
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            m.put(extra[i].substring(2), extra[i + 1]);
        }
        return m;
    }

    /**
     * Text dropout acts in training only: a step's gradients change with it, the evaluation loss and the
     * representations do not.
     */
    @Test
    void textDropoutActsOnTrainingStepsOnly(@TempDir Path root) {
        RunSpec plainSpec = RunSpec.fromFlags(flags(root));
        RunSpec dropSpec = RunSpec.fromFlags(flags(root, "--text_dropout", "0.3"));
        try (M3Experiment plain = M3Experiment.open(plainSpec, null, EnumSet.of(Split.TRAIN, Split.VAL));
             M3Experiment drop = M3Experiment.open(dropSpec, null, EnumSet.of(Split.TRAIN, Split.VAL))) {
            M3Model p = plain.buildModel(new RngStream(4), false);
            M3Model d = drop.buildModel(new RngStream(4), false);
            Batch b = plain.batches(Split.TRAIN).epoch(new RngStream(1)).next();
            double lp = p.gradients(b, Permutations.random(new RngStream(2))).loss();
            double ld = d.gradients(b, Permutations.random(new RngStream(2))).loss();
            assertTrue(Math.abs(lp - ld) > 1e-4, "dropout changes the training loss: " + lp + " vs " + ld);
            assertEquals(p.evalLoss(b, Permutations.random(new RngStream(3))), d.evalLoss(b,
                    Permutations.random(new RngStream(3))), 0.0);
            assertEquals(p.encode(b).get("r_text"), d.encode(b).get("r_text"));
        }
    }

    /**
     * A gradient-cached run (with text dropout) resumed after its first epoch ends exactly where the uninterrupted
     * one does: the dropout masks come from the checkpointed negatives stream.
     */
    @Test
    void microBatchedRunResumesExactly(@TempDir Path root) throws IOException {
        String[] cached = {"--micro_batch_sz", "16", "--text_dropout", "0.1"};
        assertEquals(0, CliRunner.run(CliRunner.concat(tiny(root.resolve("whole")), cached)).code());
        assertEquals(0, CliRunner.run(CliRunner.concat(tiny(root.resolve("cut"), "--epochs", "1"), cached)).code());
        Path last = CliRunner.onlyRun(root.resolve("cut")).resolve("last.ckpt");
        CliRunner.Run r = CliRunner.run(CliRunner.concat(tiny(root.resolve("cut"), "--ckpt_path", last.toString()),
                cached));
        assertEquals(0, r.code(), r.err());
        Checkpoint a = Checkpoint.read(CliRunner.onlyRun(root.resolve("whole")).resolve("last.ckpt"));
        Checkpoint b = Checkpoint.read(CliRunner.onlyRun(root.resolve("cut")).resolve("last.ckpt"));
        for (String k : a.variables().keySet()) {
            assertEquals(a.variables().get(k), b.variables().get(k), k);
        }
        for (String k : a.optimizer().keySet()) {
            assertEquals(a.optimizer().get(k), b.optimizer().get(k), k);
        }
        assertEquals(a.meta().validationMetrics(), b.meta().validationMetrics());
    }

    /**
     * With missingness the audio and image heads see an indicator embedding: row 1 of the table moves exactly the
     * representations of rows whose modality is missing, row 0 those of observed rows; the checkpoint tests.
     */
    @Test
    void missingnessEmbeddingsActOnlyOnTheirRows(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root, "--missingness", "True", "--missingness_prob", "0.5",
                "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
        Path ckpt = CliRunner.onlyRun(root).resolve("last.ckpt");
        Checkpoint c = Checkpoint.read(ckpt);
        assertTrue(c.meta().architecture().path("missingness").asBoolean());
        RunSpec spec = RunSpec.fromJson(c.meta().args(), "last.ckpt");
        try (M3Experiment e = M3Experiment.open(spec, c.meta().architecture(), EnumSet.of(Split.TRAIN, Split.VAL))) {
            M3Model model = e.buildModel(new RngStream(0), false);
            model.loadState(c.variables(), "last.ckpt");
            Batch b = e.batches(Split.VAL).epoch(null).next();
            float[] missing = b.get("audio_missing").toFloatVector();
            INDArray audio = model.encode(b).get("r_audio").dup();
            INDArray image = model.encode(b).get("r_image").dup();
            for (int row = 0; row < 2; row++) {
                model.graph().getVariable("audio_missing_emb").getArr().getRow(row).addi(0.5);
                INDArray after = model.encode(b).get("r_audio");
                int moved = 0;
                for (int i = 0; i < missing.length; i++) {
                    boolean changed = after.getRow(i).sub(audio.getRow(i)).amaxNumber().doubleValue() > 1e-4;
                    assertEquals(missing[i] == row, changed, "row " + i + " after changing embedding row " + row);
                    moved += changed ? 1 : 0;
                }
                assertTrue(moved > 0 && moved < missing.length, "both kinds of rows in the batch: " + moved);
                assertEquals(image, model.encode(b).get("r_image"), "the image head has its own table");
                audio = after.dup();
            }
            // a missing text is [bos, [MISSING], eos, pad...]
            int missingId = e.architecture().vocabulary().missingId();
            int[][] ids = b.get("ids").toIntMatrix();
            long withMissingToken = java.util.Arrays.stream(ids).filter(row -> row[1] == missingId).count();
            assertTrue(withMissingToken > 0, "some val texts are missing at p = 0.5");
        }
        CliRunner.Run t = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "30", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_path", ckpt.toString(), "--save_dir",
                root.resolve("t").toString());
        assertEquals(0, t.code(), t.err());
    }

    /** {@code --num_langs} and {@code --metadata_filename} are checked against the data, naming the file. */
    @Test
    void languagesAndMetadataMustFitTheData(@TempDir Path root) throws IOException {
        Path copy = root.resolve("m3");
        try (Stream<Path> s = Files.walk(data.resolve("m3"))) {
            for (Path p : s.toList()) {
                Path to = copy.resolve(data.resolve("m3").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        String[] base = {"train", "--experiment", "symile_m3", "--data_dir", copy.toString(), "--ckpt_save_dir",
                root.resolve("runs").toString(), "--d", "8", "--text_hidden", "8", "--text_heads", "2", "--epochs",
                "1"};
        assertEquals(0, CliRunner.run(CliRunner.concat(base, "--num_langs", "2")).code(), "the data's languages are en, el");
        Path langs = copy.resolve("train").resolve("lang_train.txt");
        List<String> lines = new ArrayList<>(Files.readAllLines(langs));
        lines.set(2, "hi");
        Files.write(langs, lines);
        CliRunner.Run r = CliRunner.run(CliRunner.concat(base, "--num_langs", "2"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("lang_train.txt") && r.err().contains("row 2") && r.err().contains("'hi'"),
                r.err());
        assertEquals(0, CliRunner.run(CliRunner.concat(base, "--num_langs", "5")).code(), "hi is one of the five");

        r = CliRunner.run(CliRunner.concat(base, "--metadata_filename", "nope.json"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--metadata_filename") && r.err().contains("nope.json"), r.err());
        Files.writeString(copy.resolve("upstream.json"), "{\"audio_enc_hidden_sz\": 1280, \"image_enc_hidden_sz\": 8}");
        r = CliRunner.run(CliRunner.concat(base, "--metadata_filename", "upstream.json"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("upstream.json") && r.err().contains("audio_enc_hidden_sz is 1280"), r.err());
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
        Path ckpt = CliRunner.onlyRun(xor).resolve("p_hat_0.5/last.ckpt");
        CliRunner.Run r = CliRunner.run(tiny(root.resolve("m3"), "--ckpt_path", ckpt.toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--ckpt_path") && r.err().contains("'binary_xor', not symile_m3"), r.err());
        assertTrue(Files.notExists(root.resolve("m3")), "no run directory for a refused resume");
    }
}
