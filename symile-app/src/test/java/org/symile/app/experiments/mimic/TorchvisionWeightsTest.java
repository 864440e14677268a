package org.symile.app.experiments.mimic;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.symile.app.NnFixtures.assertClose;
import static org.symile.app.NnFixtures.fixture;
import static org.symile.app.NnFixtures.npy;

import java.nio.file.Path;
import java.util.Set;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.symile.samediff.dl4j.TorchvisionResNet;

/** torchvision's weights in the DL4J ResNets against torchvision itself, with the same weights (nnfixtures/). */
class TorchvisionWeightsTest {

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
        TorchvisionWeights.loadResNet(cg, net, "", fixture(name + "_w8.pth"), Set.of());
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
    void aMissingFileIsNamedWithWhereToPutIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionWeights.file(Path.of("/nonexistent"), TorchvisionWeights.RESNET50_V2));
        assertTrue(e.getMessage().contains("/nonexistent/resnet50-11ad3fa6.pth")
                && e.getMessage().contains("--pretrained_dir"), e.getMessage());
    }
}
