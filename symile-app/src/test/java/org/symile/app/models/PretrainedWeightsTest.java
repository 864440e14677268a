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
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.symile.samediff.dl4j.TorchvisionResNet;
import org.symile.samediff.nn.TextEncoder;

/** The networks against torchvision and plain torch, with the same weights (nnfixtures/). */
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

    /**
     * torchvision's networks (width 8, the committed .pth) rebuilt from DL4J layers give torchvision's pooled features
     * in evaluation and training mode, and one training step moves bn1's running statistics as PyTorch does. In
     * DOUBLE (libnd4j's generic kernels) and in FLOAT (oneDNN in the -onednn build).
     */
    @ParameterizedTest
    @CsvSource({"resnet18,false,3,DOUBLE,true", "resnet50,true,3,DOUBLE,true", "resnet18_ecg,false,1,DOUBLE,true",
            "resnet50,true,3,FLOAT,false", "resnet18_ecg,false,1,FLOAT,true"})
    void resnetsMatchTorchvisionInEvalAndTrainMode(String name, boolean fifty, int channels, DataType dtype,
                                                   boolean train) {
        INDArray input = npy(name + "_input.npy").castTo(dtype);
        TorchvisionResNet net = new TorchvisionResNet(fifty ? TorchvisionResNet.Depth.RESNET50
                : TorchvisionResNet.Depth.RESNET18, channels, 8);
        var g = new NeuralNetConfiguration.Builder().dataType(dtype).updater(new NoOp()).graphBuilder()
                .addInputs("x").setInputTypes(InputType.convolutional(input.size(2), input.size(3), channels));
        String pooled = net.addTo(g, "", "x");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .nIn(net.features()).nOut(1).build(), pooled).setOutputs("out");
        ComputationGraph cg = new ComputationGraph(g.build());
        cg.init();
        PretrainedWeights.loadResNet(cg, net, "", fixture(name + "_w8.pth"), Set.of());
        double tol = dtype == DataType.DOUBLE ? 1e-6 : 2e-4;
        INDArray eval = cg.feedForward(new INDArray[] {input}, false).get(pooled);
        assertClose(npy(name + "_eval.npy"), eval, tol, name + " eval");
        if (!train) {
            // the 32x32 fixture's last stages normalise, in training mode, over 2 values per channel, where float
            // rounding can flip a normalised sign: that comparison is made in DOUBLE only
            return;
        }
        INDArray trainOut = cg.feedForward(new INDArray[] {input}, true).get(pooled);
        assertClose(npy(name + "_train.npy"), trainOut, tol, name + " train");
        cg.setInputs(input);
        cg.setLabels(Nd4j.zeros(dtype, input.size(0), 1));
        cg.computeGradientAndScore();
        INDArray mean = cg.getParam("bn1_mean").sub(cg.gradient().getGradientFor("bn1_mean"));
        INDArray var = cg.getParam("bn1_var").sub(cg.gradient().getGradientFor("bn1_var"));
        assertClose(npy(name + "_bn1_running_mean_after_train.npy"), mean, tol, "running mean");
        assertClose(npy(name + "_bn1_running_var_after_train.npy"), var, tol, "running var");
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
