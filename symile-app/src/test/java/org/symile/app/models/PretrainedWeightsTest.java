package org.symile.app.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.NpyFile;
import org.symile.samediff.nn.BatchNorm;
import org.symile.samediff.nn.ResNet;
import org.symile.samediff.nn.TextEncoder;

/** The SameDiff networks against torchvision and plain torch, with the same weights (nnfixtures/). */
class PretrainedWeightsTest {

    static Path fixture(String name) {
        try {
            return Path.of(PretrainedWeightsTest.class.getResource("/nnfixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static INDArray npy(String name) {
        try (NpyFile f = NpyFile.open(fixture(name))) {
            return f.read().castTo(DataType.DOUBLE);
        }
    }

    @ParameterizedTest
    @CsvSource({"resnet18,false,3", "resnet50,true,3", "resnet18_ecg,false,1"})
    void resnetsMatchTorchvisionInEvalAndTrainMode(String name, boolean fifty, int channels) {
        SameDiff sd = SameDiff.create();
        INDArray input = npy(name + "_input.npy");
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, channels, -1, -1);
        SDVariable t = sd.placeHolder("t", DataType.DOUBLE);
        ResNet net = fifty ? ResNet.resnet50(sd, "", channels, 8, x, t, new SplittableRandom(0), DataType.DOUBLE)
                : ResNet.resnet18(sd, "", channels, 8, x, t, new SplittableRandom(0), DataType.DOUBLE);
        PretrainedWeights.loadResNet(net, fixture(name + "_w8.pth"), Set.of());
        INDArray eval = sd.output(Map.of("x", input, "t", Nd4j.scalar(0.0)), net.output().name())
                .get(net.output().name());
        assertClose(npy(name + "_eval.npy"), eval, 1e-5, name + " eval");
        BatchNorm bn1 = net.batchNorms().get(0);
        Map<String, INDArray> train = sd.output(Map.of("x", input, "t", Nd4j.scalar(1.0)), net.output().name(),
                bn1.batchMean().name(), bn1.batchVar().name());
        assertClose(npy(name + "_train.npy"), train.get(net.output().name()), 1e-5, name + " train");
        long n = input.size(0) * (input.size(2) / 2) * (input.size(3) / 2);
        bn1.update(train.get(bn1.batchMean().name()), train.get(bn1.batchVar().name()), n);
        assertClose(npy(name + "_bn1_running_mean_after_train.npy"), bn1.runningMean().getArr(), 1e-6,
                "running mean");
        assertClose(npy(name + "_bn1_running_var_after_train.npy"), bn1.runningVar().getArr(), 1e-6, "running var");
    }

    @Test
    void textEncoderMatchesTheTorchComputationOfAHuggingFaceLayer(@org.junit.jupiter.api.io.TempDir Path model)
            throws Exception {
        // a local HF model directory: config.json + model.safetensors
        java.nio.file.Files.copy(fixture("bert_config.json"), model.resolve("config.json"));
        java.nio.file.Files.copy(fixture("bert_layer.safetensors"), model.resolve("model.safetensors"));
        Path dir = PretrainedWeights.huggingFaceDir(model.toString());
        TextEncoder.Config c = PretrainedWeights.textConfig(dir);
        assertTrue(c.xlmRoberta());
        assertEquals(1, c.padTokenId());
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
        SDVariable pos = sd.placeHolder("pos", DataType.INT32, -1, -1);
        SDVariable mask = sd.placeHolder("mask", DataType.DOUBLE, -1, -1);
        TextEncoder enc = new TextEncoder(sd, "text", c, ids, pos, mask, new SplittableRandom(0), DataType.DOUBLE);
        PretrainedWeights.loadTextEncoder(enc, PretrainedWeights.readStateDict(PretrainedWeights.weightsFile(dir)),
                dir.toString());
        int[][] idv = npy("bert_ids.npy").toIntMatrix();
        INDArray out = sd.output(Map.of("ids", Nd4j.createFromArray(idv), "pos",
                Nd4j.createFromArray(TextEncoder.positionIds(idv, c)), "mask", npy("bert_mask.npy")),
                enc.output().name()).get(enc.output().name());
        assertClose(npy("bert_out.npy"), out, 1e-5, "encoder layer 0 output");
    }

    static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double[] e = expected.reshape(expected.length()).toDoubleVector();
        double[] a = actual.castTo(DataType.DOUBLE).reshape(actual.length()).toDoubleVector();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + "[" + i + "]");
        }
    }

    @Test
    void missingPretrainedFilesNameWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PretrainedWeights.torchvisionFile(Path.of("/nonexistent"), PretrainedWeights.RESNET50_V2));
        assertTrue(e.getMessage().contains("resnet50-11ad3fa6.pth") && e.getMessage().contains("--pretrained_dir"),
                e.getMessage());
        IllegalArgumentException hf = assertThrows(IllegalArgumentException.class,
                () -> PretrainedWeights.huggingFaceDir("nobody/no-such-model"));
        assertTrue(hf.getMessage().contains("models--nobody--no-such-model"), hf.getMessage());
    }
}
