package org.symile.app.experiments.mimic;

import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.LossSpec;
import org.symile.samediff.dl4j.ExactGelu;
import org.symile.samediff.dl4j.LayerNormLayer;
import org.symile.samediff.dl4j.SymileOutputLayer;
import org.symile.samediff.dl4j.TorchvisionResNet;
import org.symile.samediff.nn.Linear;

/**
 * The Symile-MIMIC network (spec §6.5) as a DL4J {@code ComputationGraph} of native layers, modality order (CXR,
 * ECG, labs):
 * <pre>
 *   cxr  [B, 3, H, W]  → ResNet-50 (torchvision)            → fc (→ d) → LayerNorm ─┐
 *   ecg  [B, 1, T, 12] → ResNet-18 (one input channel)      → fc (→ d) → LayerNorm ─┼→ merge [B, 3d] → loss
 *   labs [B, 100]      → fc 256, GELU → fc 1024, GELU       → fc (→ d) → LayerNorm ─┘
 * </pre>
 * The loss layer is {@link SymileOutputLayer} (Symile or CLIP with the learned log-scale). Layer names follow
 * upstream's modules ({@code cxr.layer1.0.conv1}, {@code labs.fc1}). Weights are initialised from one random
 * stream in a fixed order: the ResNets' convolutions (torchvision's scheme), then the fc layers (PyTorch's
 * {@code nn.Linear} default), as the project's earlier SameDiff model did.
 */
final class MimicNetwork {
    static final String CXR = "cxr";
    static final String ECG = "ecg";
    static final String LABS = "labs";
    static final String LOSS = "loss";
    static final int LAB_INPUTS = 100;

    /** The graph and its two ResNets (for loading torchvision weights). */
    record Built(ComputationGraph graph, TorchvisionResNet cxr, TorchvisionResNet ecg) {
    }

    private MimicNetwork() {
    }

    /** Per-example types of the inputs cxr [3, H, W], ecg [1, T, 12], labs [100]. */
    static InputType[] inputTypes(MimicArchitecture a) {
        long[] cs = a.cxrShape();
        long[] es = a.ecgShape();
        return new InputType[] {InputType.convolutional(cs[1], cs[2], cs[0]),
                InputType.convolutional(es[1], es[2], es[0]), InputType.feedForward(LAB_INPUTS)};
    }

    static Built build(MimicArchitecture a, LossSpec loss, RandomGenerator init, DataType dtype) {
        return build(a, loss, init, dtype, false);
    }

    /** @param cachedGradients build the output layer for gradient-cached steps */
    static Built build(MimicArchitecture a, LossSpec loss, RandomGenerator init, DataType dtype,
                       boolean cachedGradients) {
        long[] cs = a.cxrShape();
        long[] es = a.ecgShape();
        GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(dtype).updater(new NoOp())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs(CXR, ECG, LABS).setInputTypes(inputTypes(a));
        TorchvisionResNet cxr = new TorchvisionResNet(TorchvisionResNet.Depth.RESNET50, cs[0], a.resnetBaseWidth());
        TorchvisionResNet ecg = new TorchvisionResNet(TorchvisionResNet.Depth.RESNET18, es[0], a.resnetBaseWidth());
        String cxrHead = head(g, CXR, cxr.addTo(g, CXR + ".", CXR), cxr.features(), a.d());
        String ecgHead = head(g, ECG, ecg.addTo(g, ECG + ".", ECG), ecg.features(), a.d());
        g.addLayer("labs.fc1", dense(LAB_INPUTS, 256, true), LABS);
        g.addLayer("labs.fc2", dense(256, 1024, true), "labs.fc1");
        String labsHead = head(g, LABS, "labs.fc2", 1024, a.d());
        g.addVertex("reps", new MergeVertex(), cxrHead, ecgHead, labsHead);
        SymileOutputLayer.Builder out = loss.outputLayer(ExperimentKind.SYMILE_MIMIC.modalities())
                .embeddingSize(a.d()).cachedGradients(cachedGradients);
        g.addLayer(LOSS, out.build(), "reps");
        g.setOutputs(LOSS);
        ComputationGraph cg = new ComputationGraph(g.build());
        cg.init();
        for (TorchvisionResNet net : new TorchvisionResNet[] {cxr, ecg}) {
            Map<String, INDArray> state = net.initialState(init, dtype);
            net.load(cg, (net == cxr ? CXR : ECG) + ".", state, Set.of(), "initialisation");
            // copied into the graph: their native memory goes back now, not whenever a full collection runs
            state.values().forEach(MimicNetwork::free);
        }
        for (String fc : new String[] {"cxr.fc", "ecg.fc", "labs.fc1", "labs.fc2", "labs.fc"}) {
            linearInit(cg, fc, init);
        }
        return new Built(cg, cxr, ecg);
    }

    /**
     * One modality's encoder alone ({@code cxr}, {@code ecg} or {@code labs}): its input, the same layers under
     * the same names as in {@link #build}, and its LayerNorm as the output; parameters uninitialised (copied from
     * a full graph by the caller).
     */
    static ComputationGraph branch(MimicArchitecture a, String modality, DataType dtype) {
        GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(dtype).updater(new NoOp())
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED).graphBuilder().addInputs(modality);
        InputType[] types = inputTypes(a);
        String out = switch (modality) {
            case CXR, ECG -> {
                boolean cxr = modality.equals(CXR);
                long[] shape = cxr ? a.cxrShape() : a.ecgShape();
                g.setInputTypes(types[cxr ? 0 : 1]);
                TorchvisionResNet net = new TorchvisionResNet(cxr ? TorchvisionResNet.Depth.RESNET50
                        : TorchvisionResNet.Depth.RESNET18, shape[0], a.resnetBaseWidth());
                yield head(g, modality, net.addTo(g, modality + ".", modality), net.features(), a.d());
            }
            case LABS -> {
                g.setInputTypes(types[2]);
                g.addLayer("labs.fc1", dense(LAB_INPUTS, 256, true), LABS);
                g.addLayer("labs.fc2", dense(256, 1024, true), "labs.fc1");
                yield head(g, LABS, "labs.fc2", 1024, a.d());
            }
            default -> throw new IllegalArgumentException("modality '" + modality + "': symile_mimic has cxr, ecg"
                    + " and labs");
        };
        g.setOutputs(out);
        ComputationGraph cg = new ComputationGraph(g.build());
        cg.init();
        return cg;
    }

    /** fc (→ d, no activation) and LayerNorm; returns the LayerNorm's name. */
    private static String head(GraphBuilder g, String name, String input, long in, long d) {
        g.addLayer(name + ".fc", dense(in, d, false), input);
        g.addLayer(name + ".ln", new LayerNormLayer(name + ".ln", d), name + ".fc");
        return name + ".ln";
    }

    private static DenseLayer dense(long in, long out, boolean gelu) {
        return new DenseLayer.Builder().nIn(in).nOut(out).hasBias(true)
                .activation(gelu ? new ExactGelu() : new ActivationIdentity()).build();
    }

    /** PyTorch's {@code nn.Linear} default: W [in, out] then b [out], uniform on ±1/√in. */
    private static void linearInit(ComputationGraph cg, String layer, RandomGenerator rng) {
        INDArray w = cg.getLayer(layer).getParam("W");
        INDArray b = cg.getLayer(layer).getParam("b");
        double bound = 1.0 / Math.sqrt(w.size(0));
        INDArray drawnW = Linear.uniform(rng, bound, w.dataType(), w.shape());
        w.assign(drawnW);
        free(drawnW);
        INDArray drawnB = Linear.uniform(rng, bound, b.dataType(), b.length());
        b.assign(drawnB.reshape(b.shape()));
        free(drawnB);
    }

    private static void free(INDArray a) {
        if (a.closeable()) {
            a.close();
        }
    }
}
