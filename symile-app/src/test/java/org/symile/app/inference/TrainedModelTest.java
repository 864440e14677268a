package org.symile.app.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.CliRunner;
import org.symile.data.NpyFile;
import org.symile.data.m3.M3Split;
import org.symile.data.synthetic.SyntheticM3;
import org.symile.samediff.Retrieval;

/**
 * The inference API and {@code embed} on checkpoints of every experiment: our own (trained here on tiny data) and
 * upstream's Lightning format (fixtures made by make_checkpoint_fixture.py, with the representations PyTorch
 * computes for them).
 */
class TrainedModelTest {
    static final Path FIXTURES = Path.of("").toAbsolutePath().getParent()
            .resolve("symile-data/src/test/resources/fixtures");

    @TempDir
    static Path shared;
    static Path m3Data;
    static Path m3Ckpt;

    @BeforeAll
    static void trainM3() throws IOException {
        m3Data = shared.resolve("m3");
        SyntheticM3.write(m3Data, new SyntheticM3.Config(120, 40, 50, 2, 2, 4, 6, 5, 0.1, 11));
        CliRunner.Run r = CliRunner.run("train", "--experiment", "symile_m3", "--data_dir", m3Data.toString(),
                "--ckpt_save_dir", shared.resolve("runs").toString(), "--d", "8", "--text_hidden", "8",
                "--text_heads", "2", "--batch_sz_train", "40", "--batch_sz_val", "40", "--epochs", "2", "--lr",
                "0.003", "--logit_scale_init", "1.0", "--use_seed", "True", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        m3Ckpt = CliRunner.onlyRun(shared.resolve("runs")).resolve("last.ckpt");
    }

    /** Encoding through the API reproduces what {@code test} scores: the same test accuracy, to the bit. */
    @Test
    void m3EmbeddingsReproduceTheTestCommandsAccuracy(@TempDir Path root) throws IOException {
        CliRunner.Run t = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "25", "--data_dir",
                m3Data.toString(), "--ckpt_path", m3Ckpt.toString(), "--save_dir", root.resolve("t").toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().strip().startsWith("wrote " + CliRunner.onlyRun(root.resolve("t")) + ": ")
                && t.out().contains("results.json"), t.out());
        double expected = new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("t")).resolve("results.json")
                .toFile()).path("test_acc").asDouble();

        CliRunner.Run e = CliRunner.run("embed", "--ckpt_path", m3Ckpt.toString(), "--data_dir", m3Data.toString(),
                "--split", "test", "--out", root.resolve("emb").toString(), "--batch_sz", "25");
        assertEquals(0, e.code(), e.err());
        INDArray audio = NpyFile.open(root.resolve("emb/audio_test.npy")).read();
        INDArray image = NpyFile.open(root.resolve("emb/image_test.npy")).read();
        INDArray text = NpyFile.open(root.resolve("emb/text_test.npy")).read();
        assertArrayEquals(new long[] {50, 8}, audio.shape());
        JsonNode meta = new ObjectMapper().readTree(root.resolve("emb/embeddings_test.json").toFile());
        assertEquals("symile_m3", meta.path("experiment").asText());
        assertEquals(50, meta.path("rows").asInt());
        assertEquals("text_test.npy", meta.path("files").path("text").asText());

        long[] cls;
        try (M3Split s = M3Split.open(m3Data, "test", null)) {
            cls = s.classIds().read().castTo(DataType.LONG).toLongVector();
        }
        try (TrainedModel model = TrainedModel.load(m3Ckpt)) {
            assertEquals(List.of("audio", "image", "text"), model.modalities());
            Retrieval.TopK top = model.retrieve(List.of(audio, text), image, 1);
            int correct = 0;
            for (int q = 0; q < cls.length; q++) {
                correct += cls[(int) top.indices()[q][0]] == cls[q] ? 1 : 0;
            }
            assertEquals(expected, correct / (double) cls.length, 0.0);
            // scores of the aligned tuples are the retrieval scores of each query with its own image
            INDArray own = model.scoreTuples(List.of(audio, image, text));
            double manual = audio.getRow(3).mul(image.getRow(3)).mul(text.getRow(3)).sumNumber().doubleValue()
                    * model.logitScale();
            assertEquals(manual, own.getDouble(3), 1e-5);
            long[] truth = new long[cls.length];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = i;
            }
            Retrieval.Metrics m = model.recall(List.of(audio, text), image, truth);
            assertEquals(cls.length, m.queries());
            assertTrue(m.recallAt1() <= m.recallAt5() && m.recallAt5() <= m.recallAt10(), m.toString());
        }
    }

    /** Upstream's Symile-M3 checkpoint gives PyTorch's representations of the fixture's inputs. */
    @Test
    void upstreamM3CheckpointMatchesPyTorch() throws IOException {
        JsonNode x = new ObjectMapper().readTree(FIXTURES.resolve("lightning_m3_expected.json").toFile());
        try (TrainedModel model = TrainedModel.load(FIXTURES.resolve("lightning_m3.ckpt"))) {
            assertTrue(model.upstream());
            assertEquals(4, model.dimension());
            assertEquals(Math.exp(-1.5), model.logitScale(), 1e-6);
            assertClose(x.path("r_audio"), model.encode("audio", Map.of("audio", matrix(x.path("audio")))));
            assertClose(x.path("r_image"), model.encode("image", Map.of("image", matrix(x.path("image")))));
            assertClose(x.path("r_text"), model.encode("text", Map.of("text_input_ids",
                    matrix(x.path("text_input_ids")).castTo(DataType.LONG), "text_attention_mask",
                    matrix(x.path("text_attention_mask")))));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.encode("video", Map.of()));
            assertTrue(e.getMessage().contains("'video'") && e.getMessage().contains("audio, image, text"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.encode("audio", Map.of("audio", Nd4j.zeros(2, 7))));
            assertTrue(e.getMessage().contains("[B, 6]"), e.getMessage());
        }
    }

    /**
     * With missingness: the indicator embeddings join the features, and a missing text is upstream's
     * {@code [bos, [MISSING], eos]} with [MISSING] the table's last row.
     */
    @Test
    void upstreamM3MissingnessCheckpointMatchesPyTorch() throws IOException {
        JsonNode x = new ObjectMapper().readTree(FIXTURES.resolve("lightning_m3_missingness_expected.json").toFile());
        try (TrainedModel model = TrainedModel.load(FIXTURES.resolve("lightning_m3_missingness.ckpt"))) {
            assertTrue(model.spec().m3().missingness());
            assertClose(x.path("r_audio"), model.encode("audio", Map.of("audio", matrix(x.path("audio")),
                    "audio_missing", vector(x.path("audio_missing")))));
            assertClose(x.path("r_image"), model.encode("image", Map.of("image", matrix(x.path("image")),
                    "image_missing", vector(x.path("image_missing")))));
            assertClose(x.path("r_text"), model.encode("text", Map.of("text_input_ids",
                    matrix(x.path("text_input_ids")).castTo(DataType.LONG), "text_attention_mask",
                    matrix(x.path("text_attention_mask")), "text_missing", vector(x.path("text_missing")))));
        }
        try (TrainedModel plain = TrainedModel.load(FIXTURES.resolve("lightning_m3.ckpt"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plain.encode("audio",
                    Map.of("audio", matrix(x.path("audio")), "audio_missing", vector(x.path("audio_missing")))));
            assertTrue(e.getMessage().contains("audio_missing") && e.getMessage().contains("without missingness"),
                    e.getMessage());
        }
    }

    @Test
    void upstreamCheckpointThatDoesNotFitIsRefusedNamingTheTensor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainedModel.load(FIXTURES.resolve("lightning_m3_bad_shape.ckpt")));
        assertTrue(e.getMessage().contains("'image_encoder.layer_norm.weight'") && e.getMessage().contains("[5]")
                && e.getMessage().contains("[4]"), e.getMessage());
    }

    /** {@code test} evaluates an upstream checkpoint like its own (the architecture comes from the file). */
    @Test
    void testCommandAcceptsUpstreamCheckpoints(@TempDir Path root) throws IOException {
        CliRunner.Run t = CliRunner.run("test", "--experiment", "symile_m3", "--batch_sz_test", "25", "--data_dir",
                m3Data.toString(), "--ckpt_path", FIXTURES.resolve("lightning_m3.ckpt").toString(), "--save_dir",
                root.toString());
        assertEquals(0, t.code(), t.err());
        double acc = new ObjectMapper().readTree(CliRunner.onlyRun(root).resolve("results.json").toFile())
                .path("test_acc").asDouble(-1);
        assertTrue(acc >= 0 && acc <= 1, "test_acc " + acc);
        CliRunner.Run wrong = CliRunner.run("test", "--experiment", "symile_mimic", "--batch_sz_test", "25",
                "--data_dir", m3Data.toString(), "--ckpt_path", FIXTURES.resolve("lightning_m3.ckpt").toString(),
                "--save_dir", root.resolve("w").toString());
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("symile_m3 checkpoint"), wrong.err());
        assertFalse(Files.exists(root.resolve("w")));
    }

    @Test
    void embedRefusesBadRequestsWritingNothing(@TempDir Path root) throws IOException {
        Path out = root.resolve("out");
        CliRunner.Run r = CliRunner.run("embed", "--ckpt_path", m3Ckpt.toString(), "--data_dir", m3Data.toString(),
                "--out", out.toString(), "--modalities", "audio,video");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--modalities") && r.err().contains("'video'"), r.err());
        r = CliRunner.run("embed", "--ckpt_path", m3Ckpt.toString(), "--data_dir", m3Data.toString(), "--split",
                "nosuch", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("nosuch"), r.err());
        Path truncated = root.resolve("cut.ckpt");
        byte[] bytes = Files.readAllBytes(m3Ckpt);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        r = CliRunner.run("embed", "--ckpt_path", truncated.toString(), "--data_dir", m3Data.toString(), "--out",
                out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("cut.ckpt"), r.err());
        assertFalse(Files.exists(out) && Files.list(out).findAny().isPresent());
    }

    static INDArray matrix(JsonNode rows) {
        double[][] v = new double[rows.size()][];
        for (int i = 0; i < v.length; i++) {
            JsonNode r = rows.get(i);
            v[i] = new double[r.size()];
            for (int j = 0; j < v[i].length; j++) {
                v[i][j] = r.get(j).asDouble();
            }
        }
        return Nd4j.createFromArray(v).castTo(DataType.FLOAT);
    }

    static INDArray vector(JsonNode values) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).asDouble();
        }
        return Nd4j.createFromArray(v);
    }

    static void assertClose(JsonNode expected, INDArray actual) {
        INDArray e = matrix(expected);
        assertArrayEquals(e.shape(), actual.shape());
        double diff = e.sub(actual.castTo(DataType.FLOAT)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-4, "max |difference| " + diff + "\nexpected " + e + "\nactual " + actual);
    }
}
