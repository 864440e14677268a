package org.symile.app.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.CliRunner;
import org.symile.app.experiments.ModelFiles;
import org.symile.app.experiments.mimic.MimicArchitecture;
import org.symile.app.experiments.mimic.MimicModel;
import org.symile.app.run.Json;
import org.symile.app.run.ModelSource;
import org.symile.app.train.Batch;
import org.symile.app.train.RngStream;
import org.symile.data.NpyFile;
import org.symile.data.synthetic.SyntheticMimic;

/** The inference API for Symile-MIMIC (ours and upstream's checkpoints) and binary XOR. */
class OtherExperimentsInferenceTest {
    private static final Path IO = TrainedModelTest.FIXTURES.resolve("lightning_mimic_io");

    private static INDArray npy(String name) {
        return NpyFile.open(IO.resolve(name + ".npy")).read();
    }

    /** Each of upstream's MIMIC encoders, run alone, gives PyTorch's eval-mode representations. */
    @Test
    void upstreamMimicCheckpointMatchesPyTorch() {
        try (TrainedModel model = TrainedModel.load(TrainedModelTest.FIXTURES.resolve("lightning_mimic.ckpt"))) {
            assertEquals(List.of("cxr", "ecg", "labs"), model.modalities());
            assertEquals(6, model.dimension());
            assertEquals(Math.exp(0.7), model.logitScale(), 1e-5);
            assertClose(npy("r_cxr"), model.encode("cxr", Map.of("cxr", npy("cxr"))));
            assertClose(npy("r_ecg"), model.encode("ecg", Map.of("ecg", npy("ecg"))));
            assertClose(npy("r_labs"), model.encode("labs", Map.of("labs_percentiles", npy("labs_percentiles"),
                    "labs_missingness", npy("labs_missingness"))));
        }
    }

    /** Per-modality encoding equals the whole graph's; embed and test work on our own and upstream's files. */
    @Test
    void mimicBranchesEqualTheWholeGraphAndEmbedStreams(@TempDir Path root) throws IOException {
        Path data = root.resolve("mimic");
        SyntheticMimic.write(data, new SyntheticMimic.Config(40, 10, 12, 16, 32, 4, 0.3, 7));
        CliRunner.Run r = CliRunner.run("train", "--experiment", "symile_mimic", "--data_dir", data.toString(),
                "--ckpt_save_dir", root.resolve("runs").toString(), "--d", "8", "--resnet_base_width", "4",
                "--batch_sz_train", "20", "--batch_sz_val", "30", "--epochs", "1", "--use_seed", "True", "--seed",
                "3");
        assertEquals(0, r.code(), r.err());
        Path ckpt = CliRunner.onlyRun(root.resolve("runs")).resolve("last.ckpt");
        CliRunner.Run e = CliRunner.run("embed", "--ckpt_path", ckpt.toString(), "--data_dir", data.toString(),
                "--out", root.resolve("emb").toString(), "--batch_sz", "5");
        assertEquals(0, e.code(), e.err());

        ModelSource src = ModelFiles.read(ckpt);
        MimicModel whole = new MimicModel(Json.read(src.architecture(), MimicArchitecture.class, "test"),
                src.spec().loss(), new RngStream(1));
        src.weights().loadInto(whole, "test");
        INDArray cxr = NpyFile.open(data.resolve("test/cxr_test.npy")).read();
        INDArray ecg = NpyFile.open(data.resolve("test/ecg_test.npy")).read();
        INDArray labs = Nd4j.concat(1, NpyFile.open(data.resolve("test/labs_percentiles_test.npy")).read()
                .castTo(DataType.FLOAT), NpyFile.open(data.resolve("test/labs_missingness_test.npy")).read()
                .castTo(DataType.FLOAT));
        int rows = (int) cxr.size(0);
        Map<String, INDArray> reps = whole.encode(new Batch(Map.of("cxr", cxr, "ecg", ecg, "labs", labs), rows));
        for (String m : List.of("cxr", "ecg", "labs")) {
            INDArray written = NpyFile.open(root.resolve("emb/" + m + "_test.npy")).read();
            assertArrayEquals(new long[] {rows, 8}, written.shape());
            assertClose(reps.get("r_" + m), written);
        }

        CliRunner.Run t = CliRunner.run("test", "--experiment", "symile_mimic", "--batch_sz_test", "12",
                "--data_dir", data.toString(), "--ckpt_path", TrainedModelTest.FIXTURES.resolve("lightning_mimic.ckpt")
                        .toString(), "--save_dir", root.resolve("t").toString());
        assertEquals(0, t.code(), t.err());
        double acc = new ObjectMapper().readTree(CliRunner.onlyRun(root.resolve("t")).resolve("results.json")
                .toFile()).path("test_acc").asDouble(-1);
        assertTrue(acc >= 0 && acc <= 1, "test_acc " + acc);
    }

    /** binary_xor's representations are unit vectors; embed refuses it (no stored split) writing nothing. */
    @Test
    void binaryXorCheckpointsEncodeAndEmbedRefusesThem(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--use_seed", "True", "--seed", "3",
                "--d", "8", "--d_v", "3", "--train_n", "64", "--val_n", "32", "--test_n", "32", "--batch_sz_train",
                "16", "--batch_sz_val", "16", "--batch_sz_test", "16", "--epochs", "1", "--p_hats", "0.5",
                "--ckpt_save_dir", root.resolve("runs").toString());
        assertEquals(0, r.code(), r.err());
        Path ckpt = CliRunner.onlyRun(root.resolve("runs")).resolve("p_hat_0.5/last.ckpt");
        try (TrainedModel model = TrainedModel.load(ckpt)) {
            assertEquals(List.of("a", "b", "c"), model.modalities());
            INDArray bits = Nd4j.createFromArray(new float[][] {{0, 1, 1}, {1, 0, 0}});
            INDArray a = model.encode("a", Map.of("a", bits));
            assertArrayEquals(new long[] {2, 8}, a.shape());
            assertEquals(1.0, a.norm2(1).getDouble(0), 1e-5);
            INDArray b = model.encode("b", Map.of("b", bits));
            INDArray c = model.encode("c", Map.of("c", bits));
            double mip = a.getRow(1).mul(b.getRow(1)).mul(c.getRow(1)).sumNumber().doubleValue();
            assertEquals(mip * model.logitScale(), model.scoreTuples(List.of(a, b, c)).getDouble(1), 1e-5);
        }
        CliRunner.Run e = CliRunner.run("embed", "--ckpt_path", ckpt.toString(), "--data_dir", root.toString(),
                "--out", root.resolve("emb").toString());
        assertEquals(2, e.code(), e.err());
        assertTrue(e.err().contains("binary_xor"), e.err());
        assertFalse(Files.exists(root.resolve("emb")));
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        double diff = expected.castTo(DataType.FLOAT).sub(actual.castTo(DataType.FLOAT)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-4, "max |difference| " + diff + "\nexpected " + expected + "\nactual " + actual);
    }
}
