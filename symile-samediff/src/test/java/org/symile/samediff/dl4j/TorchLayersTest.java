package org.symile.samediff.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Central-difference gradient checks in DOUBLE (DL4J's GradientCheckUtil) of every layer this package adds, alone
 * and as torchvision ResNets, plus their forward semantics against plain ND4J arithmetic.
 */
class TorchLayersTest {
    private static DataType before;

    @BeforeAll
    static void doubles() {
        before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(before, before);
    }

    static GraphBuilder graph(InputType in) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(in);
    }

    /** Global average pooling, then a linear MSE output of width 3. */
    static ComputationGraph finish(GraphBuilder g, String last, long width) {
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .nIn(width).nOut(3).build(), "pool");
        g.setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    static boolean check(ComputationGraph net, INDArray input, Set<String> exclude, boolean subset) {
        return check(net, input, exclude, subset, 1e-5, 1e-9);
    }

    static boolean check(ComputationGraph net, INDArray input, Set<String> exclude, boolean subset,
                         double maxRel, double minAbs) {
        INDArray labels = Nd4j.rand(DataType.DOUBLE, input.size(0), 3);
        GradientCheckUtil.GraphConfig c = new GradientCheckUtil.GraphConfig().net(net).inputs(new INDArray[] {input})
                .labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(maxRel).minAbsoluteError(minAbs)
                .excludeParams(exclude);
        if (subset) {
            c = c.subset(true).maxPerParam(2);
        }
        return GradientCheckUtil.checkGradients(c);
    }

    /** Two convolutions in a row, so the first one's input gradient is checked through the second's weights. */
    @ParameterizedTest
    @CsvSource({"1,1,0,conv", "1,1,0,gemm", "3,1,1,conv", "3,2,1,conv", "7,2,3,conv", "1,2,0,conv", "1,2,0,gemm",
            "1,2,0,gemm-column",
            "3,2,1,sliced", "7,2,3,sliced"})
    void convolutionPassesGradientCheck(int k, int stride, int pad, String path) {
        Nd4j.getRandom().setSeed(k * 10 + stride);
        // one column for strided 1x1 products, as the ECG's 5000x12 leads reach after three stride-2 stages
        long width = path.equals("gemm-column") ? 1 : 8;
        GraphBuilder g = graph(InputType.convolutional(9, width, 2));
        g.addLayer("c1", new TorchConv2d("c1", 2, 3, k, stride, pad), "in");
        g.addLayer("c2", new TorchConv2d("c2", 3, 4, k, stride, pad), "c1");
        ComputationGraph net = finish(g, "c2", 4);
        long threshold = TorchConv2dLayer.pointwiseGemmMinMacs;
        long callElements = TorchConv2dLayer.callElements;
        TorchConv2dLayer.pointwiseGemmMinMacs = path.startsWith("gemm") ? 0 : Long.MAX_VALUE;
        // one example per native call: the sliced forward and the summed weight gradient
        TorchConv2dLayer.callElements = path.equals("sliced") ? 1 : callElements;
        try {
            assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, 3, 2, 9, width).subi(0.5), Set.of(), false));
        } finally {
            TorchConv2dLayer.pointwiseGemmMinMacs = threshold;
            TorchConv2dLayer.callElements = callElements;
        }
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void batchNormPassesGradientCheckInTrainingMode(boolean relu) {
        Nd4j.getRandom().setSeed(relu ? 5 : 6);
        GraphBuilder g = graph(InputType.convolutional(5, 4, 2));
        g.addLayer("c1", new TorchConv2d("c1", 2, 3, 3, 1, 1), "in");
        g.addLayer("bn", new TorchBatchNorm2d("bn", 3, relu), "c1");
        g.addLayer("c2", new TorchConv2d("c2", 3, 3, 1, 1, 0), "bn");
        g.addLayer("bn2", new TorchBatchNorm2d("bn2", 3, false), "c2");
        ComputationGraph net = finish(g, "bn2", 3);
        net.getLayer("bn").getParam("gamma").assign(Nd4j.createFromArray(0.7, 1.3, -0.9).reshape(1, 3));
        net.getLayer("bn").getParam("beta").assign(Nd4j.createFromArray(0.2, -0.1, 0.4).reshape(1, 3));
        assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, 3, 2, 5, 4).subi(0.5),
                Set.of("bn_mean", "bn_var", "bn2_mean", "bn2_var"), false));
    }

    @ParameterizedTest
    @CsvSource({"true,false", "false,true", "true,true"})
    void exactGeluAndLayerNormPassGradientCheck(boolean gelu, boolean layerNorm) {
        Nd4j.getRandom().setSeed(11);
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new NoOp()).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(5));
        g.addLayer("fc", new DenseLayer.Builder().nIn(5).nOut(6).activation(gelu ? new ExactGelu()
                : new org.nd4j.linalg.activations.impl.ActivationIdentity()).build(), "in");
        g.addLayer("ln", layerNorm ? new LayerNormLayer("ln", 6) : new org.deeplearning4j.nn.conf.layers.ActivationLayer
                .Builder().activation(Activation.IDENTITY).build(), "fc");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .nIn(6).nOut(3).build(), "ln");
        g.setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        if (layerNorm) {
            net.getLayer("ln").getParam("gamma").assign(Nd4j.rand(DataType.DOUBLE, 1, 6).addi(0.5));
            net.getLayer("ln").getParam("beta").assign(Nd4j.rand(DataType.DOUBLE, 1, 6));
        }
        assertTrue(check(net, Nd4j.randn(DataType.DOUBLE, 4, 5), Set.of(), false));
    }

    /**
     * torchvision's structure with one block in each of the first two stages, basic (ResNet-18 kind) and bottleneck
     * (ResNet-50 kind), base width 2: every kind of layer, vertex and downsample (stride 1 and 2) the two networks
     * have; a subset of each parameter.
     */
    @ParameterizedTest
    @CsvSource({"false,1", "true,3"})
    void resnetBlocksPassGradientCheck(boolean bottleneck, int channels) {
        Nd4j.getRandom().setSeed(21);
        TorchvisionResNet net = new TorchvisionResNet(new int[] {1, 1, 0, 0}, bottleneck, channels, 2);
        GraphBuilder g = graph(InputType.convolutional(32, 16, channels));
        String out = net.addTo(g, "r.", "in");
        // running statistics frozen (momentum 0): their NoOp "gradients" are then 0, as their numerical ones are.
        // (Excluding them by name does not work here: GradientCheckUtil assumes the parameter table is in the
        // flattened order, which a branching graph does not keep.)
        g.getVertices().values().forEach(v -> {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof TorchBatchNorm2d bn) {
                bn.setDecay(1.0);
            }
        });
        ComputationGraph cg = finish(g, out, net.features());
        net.load(cg, "r.", net.initialState(new java.util.SplittableRandom(4), DataType.DOUBLE), Set.of(), "init");
        assertTrue(check(cg, Nd4j.rand(DataType.DOUBLE, 2, channels, 32, 16).subi(0.5), Set.of(), true));
    }

    /**
     * Freeing each sole-consumer activation after its reader's backprop changes nothing in the loss or the gradients
     * (the same network with every edge undeclared, bit for bit), and does free them: every convolution's output
     * (the stem's, each block's and each downsample's), the batch-norm outputs inside blocks (bn1, and bn2 of a
     * bottleneck) and each downsample's batch-norm output, which the residual sum frees once written; the sums
     * hand both inputs one gradient array. Here: stem 1, basic blocks 3 each and one downsample 2 (9); bottleneck
     * blocks 5 each and two downsamples 2 each (15).
     */
    @ParameterizedTest
    @CsvSource({"false,1,9", "true,3,15"})
    void soleConsumerActivationsAreFreedWithoutChangingGradients(boolean bottleneck, int channels,
                                                                 long expectReleased) {
        ComputationGraph[] nets = new ComputationGraph[2];
        TorchvisionResNet net = new TorchvisionResNet(new int[] {1, 1, 0, 0}, bottleneck, channels, 2);
        for (int k = 0; k < 2; k++) {
            GraphBuilder g = graph(InputType.convolutional(32, 16, channels));
            String out = net.addTo(g, "r.", "in");
            if (k == 1) {
                g.getVertices().values().forEach(v -> {
                    if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                        if (lv.getLayerConf().getLayer() instanceof TorchBatchNorm2d bn) {
                            bn.soleConsumerEdges(false, false);
                        } else if (lv.getLayerConf().getLayer() instanceof TorchConv2d c) {
                            c.soleConsumerEdges(false, false);
                        }
                    } else if (v instanceof AddReluVertex a) {
                        a.residualEdges(false, false);
                    }
                });
            }
            nets[k] = finish(g, out, net.features());
        }
        nets[1].setParams(nets[0].params());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, channels, 32, 16).subi(0.5);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 3);
        long[] freed = new long[2];
        for (int k = 0; k < 2; k++) {
            nets[k].setInputs(x.dup());
            nets[k].setLabels(y);
            long before = SoleConsumer.released();
            nets[k].computeGradientAndScore();
            freed[k] = SoleConsumer.released() - before;
        }
        assertEquals(expectReleased, freed[0]);
        assertEquals(0, freed[1]);
        assertEquals(nets[1].score(), nets[0].score(), 0.0);
        assertEquals(nets[1].getFlattenedGradients(), nets[0].getFlattenedGradients());
        long before = SoleConsumer.released();
        assertEquals(nets[1].output(true, x)[0], nets[0].output(true, x)[0]);
        assertEquals(nets[1].output(false, x)[0], nets[0].output(false, x)[0]);
        assertEquals(before, SoleConsumer.released(), "passes without backprop free nothing");
    }

    @Test
    void batchNormNormalisesWithBatchStatisticsAndMovesRunningOnesLikePyTorch() {
        GraphBuilder g = graph(InputType.convolutional(3, 2, 2));
        g.addLayer("bn", new TorchBatchNorm2d("bn", 2, false), "in");
        ComputationGraph net = finish(g, "bn", 2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 2, 3, 2).muli(3).addi(1);
        INDArray y = net.feedForward(new INDArray[] {x}, true).get("bn");
        INDArray mean = x.mean(0, 2, 3);
        INDArray var = x.var(false, 0, 2, 3);
        for (int c = 0; c < 2; c++) {
            INDArray xc = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            INDArray expect = xc.sub(mean.getDouble(c)).divi(Math.sqrt(var.getDouble(c) + 1e-5));
            INDArray got = y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertEquals(0, expect.sub(got).amaxNumber().doubleValue(), 1e-12);
        }
        // one step with a NoOp updater applies the running-statistics deltas: running = 0.9 running + 0.1 batch,
        // with the unbiased variance (n = 4·3·2 = 24 values per channel)
        net.setInput(0, x);
        net.setLabel(0, Nd4j.rand(DataType.DOUBLE, 4, 3));
        net.computeGradientAndScore();
        INDArray dMean = net.gradient().getGradientFor("bn_mean");
        INDArray dVar = net.gradient().getGradientFor("bn_var");
        INDArray runMean = net.getLayer("bn").getParam("mean").sub(dMean);
        INDArray runVar = net.getLayer("bn").getParam("var").sub(dVar);
        for (int c = 0; c < 2; c++) {
            assertEquals(0.1 * mean.getDouble(c), runMean.getDouble(c), 1e-12);
            assertEquals(0.9 + 0.1 * var.getDouble(c) * 24 / 23, runVar.getDouble(c), 1e-12);
        }
        INDArray eval = net.feedForward(new INDArray[] {x}, false).get("bn");
        assertEquals(0, eval.sub(x.div(Math.sqrt(1 + 1e-5))).amaxNumber().doubleValue(), 1e-12,
                "evaluation uses the running statistics (still 0 and 1 here)");
    }

    @Test
    void badShapesAndSizesAreRefusedWithTheLayerName() {
        assertThrows(IllegalArgumentException.class, () -> new TorchConv2d("c", 3, 0, 3, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new TorchBatchNorm2d("b", 0, true));
        GraphBuilder g = graph(InputType.convolutional(1, 1, 2));
        g.addLayer("bn", new TorchBatchNorm2d("bn", 2, false), "in");
        ComputationGraph net = finish(g, "bn", 2);
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> net.feedForward(new INDArray[] {Nd4j.rand(DataType.DOUBLE, 1, 2, 1, 1)}, true));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
    }

    @Test
    void configurationsRoundTripThroughJson() {
        TorchvisionResNet net = new TorchvisionResNet(TorchvisionResNet.Depth.RESNET18, 1, 2);
        GraphBuilder g = graph(InputType.convolutional(16, 12, 1));
        String out = net.addTo(g, "ecg.", "in");
        g.addLayer("fc", new DenseLayer.Builder().nIn(net.features()).nOut(4).activation(new ExactGelu()).build(),
                out);
        g.addLayer("ln", new LayerNormLayer("ln", 4), "fc");
        g.addLayer("o", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .nIn(4).nOut(3).build(), "ln");
        g.setOutputs("o");
        ComputationGraphConfiguration conf = g.build();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        TorchConv2d conv2 = (TorchConv2d) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("ecg.layer1.0.conv2")).getLayerConf().getLayer();
        TorchBatchNorm2d bn1 = (TorchBatchNorm2d) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("ecg.layer1.0.bn1")).getLayerConf().getLayer();
        assertTrue(conv2.isOutputHasSoleConsumer() && conv2.isSoleConsumerOfInput());
        assertTrue(bn1.isOutputHasSoleConsumer() && bn1.isSoleConsumerOfInput());
        TorchConv2d conv1 = (TorchConv2d) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("ecg.layer1.0.conv1")).getLayerConf().getLayer();
        assertTrue(conv1.isOutputHasSoleConsumer() && !conv1.isSoleConsumerOfInput(), "conv1 shares its input");
        AddReluVertex sum1 = (AddReluVertex) back.getVertices().get("ecg.layer1.0.relu");
        AddReluVertex sum2 = (AddReluVertex) back.getVertices().get("ecg.layer2.0.relu");
        assertTrue(sum1.isOverwriteFirstInput() && !sum1.isSoleConsumerOfSecondInput() && sum1.isSharedGradient(),
                "layer1.0 adds its block input, which conv1 reads too");
        assertTrue(sum2.isSoleConsumerOfSecondInput() && sum2.isSharedGradient(), "layer2.0 adds its downsample");
        TorchBatchNorm2d down = (TorchBatchNorm2d) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices()
                .get("ecg.layer2.0.downsample.1")).getLayerConf().getLayer();
        assertTrue(down.isOutputHasSoleConsumer());
        ComputationGraph a = new ComputationGraph(conf);
        a.init();
        ComputationGraph b = new ComputationGraph(back);
        b.init(a.params().dup(), true);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 1, 16, 12);
        assertEquals(a.outputSingle(false, x), b.outputSingle(false, x));
    }

    /**
     * The overwriting residual sum gives the same loss and gradients as the copying one, under DL4J's training
     * workspaces and without workspaces, and leaves the forward activations of inference alone.
     */
    @ParameterizedTest
    @CsvSource({"ENABLED", "NONE"})
    void overwritingResidualSumMatchesCopyingOne(String workspaceMode) {
        ComputationGraph[] nets = new ComputationGraph[2];
        for (int k = 0; k < 2; k++) {
            GraphBuilder g = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                    .updater(new NoOp()).trainingWorkspaceMode(
                            org.deeplearning4j.nn.conf.WorkspaceMode.valueOf(workspaceMode))
                    .inferenceWorkspaceMode(org.deeplearning4j.nn.conf.WorkspaceMode.valueOf(workspaceMode))
                    .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 5, 3));
            g.addLayer("c", new TorchConv2d("c", 3, 3, 3, 1, 1), "in");
            g.addLayer("bn", new TorchBatchNorm2d("bn", 3, false), "c");
            g.addVertex("add", new AddReluVertex(k == 1), "bn", "in");
            nets[k] = finish(g, "add", 3);
        }
        nets[1].setParams(nets[0].params());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 6, 5).subi(0.5);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 2, 3);
        for (ComputationGraph net : nets) {
            net.setInputs(x.dup());
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertTrue(((AddReluVertexImpl) nets[1].getVertex("add")).overwrote());
        assertEquals(nets[0].score(), nets[1].score(), 0.0);
        assertEquals(nets[0].getFlattenedGradients(), nets[1].getFlattenedGradients());
        assertEquals(nets[0].output(false, x)[0], nets[1].output(false, x)[0]);
    }
}
