package org.symile.app.experiments.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.CliRunner;
import org.symile.app.inference.TrainedModel;
import org.symile.app.inspect.Inspection;
import org.symile.data.NpyFile;
import org.symile.data.synthetic.SyntheticCustom;

/** {@code --experiment custom} end to end on the demo data: train, test, embed, load, inspect, bad data. */
class CustomExperimentTest {
    @TempDir
    static Path root;
    static Path data;

    @BeforeAll
    static void generate() {
        data = root.resolve("data");
        SyntheticCustom.write(data, new SyntheticCustom.Config(1200, 300, 300, 4, 0.1, 0.1, 3));
    }

    private static String[] train(Path saveDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--experiment", "custom", "--data_dir", data.toString(),
                "--modalities", SyntheticCustom.MODALITIES, "--ckpt_save_dir", saveDir.toString(), "--d", "32",
                "--hidden_dims", "32", "--batch_sz_train", "100", "--batch_sz_val", "100", "--batch_sz_test", "50",
                "--epochs", "4", "--lr", "0.003", "--use_seed", "True"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void trainsReproduciblyTestsEmbedsAndLoads(@TempDir Path dir) throws IOException {
        CliRunner.Run r = CliRunner.run(train(dir.resolve("a")));
        assertEquals(0, r.code(), r.err());
        assertEquals(0, CliRunner.run(train(dir.resolve("b"))).code());
        Path run = CliRunner.onlyRun(dir.resolve("a"));
        ObjectMapper json = new ObjectMapper();
        JsonNode info = json.readTree(run.resolve("run_info.json").toFile());
        assertEquals(info.path("validation_metrics"), json.readTree(CliRunner.onlyRun(dir.resolve("b"))
                .resolve("run_info.json").toFile()).path("validation_metrics"));
        JsonNode vals = info.path("validation_metrics");
        assertEquals(4, vals.size());
        // a higher-order structure Symile learns: ten times the chance of 1/50 within four epochs
        assertTrue(vals.get(3).path("val_acc").asDouble() > 0.2, vals.toString());
        assertEquals("[\"left\",\"right\",\"target\"]", info.path("args").path("modalities").toString());

        Path ckpt = Files.list(run).filter(p -> p.getFileName().toString().startsWith("epoch=")).findFirst()
                .orElseThrow();
        CliRunner.Run t = CliRunner.run("test", "--experiment", "custom", "--batch_sz_test", "50", "--data_dir",
                data.toString(), "--ckpt_path", ckpt.toString(), "--save_dir", dir.resolve("t").toString());
        assertEquals(0, t.code(), t.err());
        JsonNode res = json.readTree(CliRunner.onlyRun(dir.resolve("t")).resolve("results.json").toFile());
        assertEquals(res.path("test_acc").asDouble(), res.path("test_recall_at_1").asDouble(), 0.0);
        assertTrue(res.path("test_recall_at_5").asDouble() >= res.path("test_acc").asDouble());
        assertTrue(res.path("test_recall_at_10").asDouble() >= res.path("test_recall_at_5").asDouble());
        assertTrue(res.path("test_mean_rank").asDouble() >= 1);

        CliRunner.Run e = CliRunner.run("embed", "--ckpt_path", ckpt.toString(), "--data_dir", data.toString(),
                "--out", dir.resolve("emb").toString());
        assertEquals(0, e.code(), e.err());
        try (NpyFile f = NpyFile.open(dir.resolve("emb").resolve("right_test.npy"))) {
            assertArrayEquals(new long[] {300, 32}, f.shape());
        }
        try (TrainedModel m = TrainedModel.load(ckpt)) {
            assertEquals(List.of("left", "right", "target"), m.modalities());
            INDArray left = m.encode("left", Map.of("left", Nd4j.rand(2, 24)));
            assertArrayEquals(new long[] {2, 32}, left.shape());
            INDArray right = m.encode("right", Map.of("right", Nd4j.createFromArray(new long[][] {{1, 3, 5, 7, 0,
                0}}), "right_missing", Nd4j.createFromArray(new int[] {0})));
            assertEquals(1.0, right.norm2Number().doubleValue(), 1e-5);
        }
    }

    @Test
    void badDataIsRefusedWholeBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad");
        SyntheticCustom.write(bad, new SyntheticCustom.Config(50, 20, 20, 3, 0.1, 0.1, 1));
        Files.delete(bad.resolve("val").resolve("target_val.npy"));
        Files.delete(bad.resolve("test").resolve("left_test.npy"));
        NpyFile.write(bad.resolve("train").resolve("left_train.npy"), Nd4j.zeros(49, 24));
        CliRunner.Run r = CliRunner.run("train", "--experiment", "custom", "--data_dir", bad.toString(),
                "--modalities", SyntheticCustom.MODALITIES, "--ckpt_save_dir", dir.resolve("runs").toString());
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.get(0).endsWith("3 problems with --experiment custom data:"), r.err());
        assertTrue(r.err().contains("left_train.npy: 49 rows, but the split's other files have 50"), r.err());
        assertTrue(r.err().contains("missing file " + bad.resolve("val").resolve("target_val.npy")), r.err());
        assertTrue(r.err().contains("missing file " + bad.resolve("test").resolve("left_test.npy")), r.err());
        assertEquals(4, lines.size(), r.err());
        assertFalse(Files.exists(dir.resolve("runs")));

        CliRunner.Run noNames = CliRunner.run("train", "--experiment", "custom", "--data_dir", data.toString());
        assertEquals(2, noNames.code());
        assertTrue(noNames.err().contains("--modalities: required"), noNames.err());
        CliRunner.Run target = CliRunner.run("train", "--experiment", "custom", "--data_dir", data.toString(),
                "--modalities", "left,right", "--target_modality", "target");
        assertEquals(2, target.code());
        assertEquals(1, target.err().lines().count(), target.err());
        assertTrue(target.err().contains("--target_modality: 'target' is not among --modalities left,right"),
                target.err());
    }

    @Test
    void inspectNamesTheLayoutsADirectorySatisfies() {
        JsonNode layouts = Inspection.of(data).summary().path("layouts");
        assertFalse(layouts.path("symile_m3").path("satisfied").asBoolean());
        JsonNode custom = layouts.path("custom");
        assertTrue(custom.path("satisfied").asBoolean(), custom.toString());
        assertEquals("tokens [N, 6], masked, can be absent", custom.path("modalities").path("right").asText());
        assertEquals("features [N, 24]", custom.path("modalities").path("left").asText());
        assertTrue(Inspection.of(data).text().contains("train with: --experiment custom --data_dir " + data
                + " --modalities left,right,target"));
    }
}
