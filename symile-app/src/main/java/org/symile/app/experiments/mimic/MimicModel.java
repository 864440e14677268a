package org.symile.app.experiments.mimic;

import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.LossSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.dl4j.GraphModel;
import org.symile.samediff.dl4j.TorchvisionResNet;

/**
 * The Symile-MIMIC model (spec §6.5) trained through DL4J's native layers: {@link MimicNetwork}'s graph, ResNet-50
 * on the CXR, ResNet-18 with a one-channel conv1 on the ECG (as a 1×T×12 image), each with fc → d and LayerNorm,
 * and the labs MLP 100 → 256 → 1024 → d with exact GELU and LayerNorm on [percentiles, observed indicators]. No
 * L2 normalisation. Batch norm follows PyTorch (batch statistics in training, running statistics otherwise).
 * Batch arrays {@code cxr} [B, 3, H, W], {@code ecg} [B, 1, T, 12], {@code labs} [B, 100].
 */
public final class MimicModel extends GraphModel {
    private final TorchvisionResNet cxrNet;
    private final TorchvisionResNet ecgNet;

    private final MimicArchitecture architecture;
    /** One-modality copies of the graph, built on first use by {@link #encode(String, INDArray)}. */
    private final Map<String, ComputationGraph> branches = new java.util.HashMap<>();

    MimicModel(MimicNetwork.Built built, MimicArchitecture a, LossSpec loss) {
        this(built, a, loss, 0);
    }

    MimicModel(MimicNetwork.Built built, MimicArchitecture a, LossSpec loss, int microRows) {
        super(built.graph(), MimicNetwork.LOSS, ExperimentKind.SYMILE_MIMIC.modalities(), a.d(), loss, microRows,
                MimicNetwork.inputTypes(a));
        this.cxrNet = built.cxr();
        this.ecgNet = built.ecg();
        this.architecture = a;
    }

    /** A new model of float32 parameters, initialised from {@code init}. */
    public MimicModel(MimicArchitecture a, LossSpec loss, RandomGenerator init) {
        this(a, loss, init, 0);
    }

    /**
     * A new model of float32 parameters whose steps are gradient-cached when {@code microRows} > 0
     * ({@code --micro_batch_sz}: the output layer then back-propagates cached representation gradients).
     *
     * @param microRows the rows encoded at once, or 0 for plain steps
     */
    public MimicModel(MimicArchitecture a, LossSpec loss, RandomGenerator init, int microRows) {
        this(MimicNetwork.build(a, loss, init, DataType.FLOAT, microRows > 0), a, loss, microRows);
    }

    /** The CXR encoder's layer map (torchvision ResNet-50 names under {@code cxr.}). */
    public TorchvisionResNet cxrNet() {
        return cxrNet;
    }

    /** The ECG encoder's layer map (torchvision ResNet-18 names under {@code ecg.}). */
    public TorchvisionResNet ecgNet() {
        return ecgNet;
    }

    /**
     * Copies a PyTorch state dict of the same model into this one: the ResNets under {@code cxr.} and {@code ecg.}
     * with torchvision's names, each {@code <m>.fc} (Linear, weight [d, in]) and {@code <m>.ln} (LayerNorm), the
     * labs MLP's {@code labs.fc1}, {@code labs.fc2}, {@code labs.fc}, and {@code logit_scale}.
     *
     * @throws IllegalArgumentException naming the tensor when one is missing or of another shape
     */
    public void loadTorchState(Map<String, INDArray> state, String source) {
        loadTorchState(state, source, UnaryOperator.identity());
    }

    /**
     * {@link #loadTorchState(Map, String)} for a file that names the tensors differently: messages name a tensor
     * as {@code shown} maps this model's name ({@code cxr.fc.weight}; {@code cxr.} for a ResNet's prefix).
     */
    public void loadTorchState(Map<String, INDArray> state, String source, UnaryOperator<String> shown) {
        for (TorchvisionResNet net : new TorchvisionResNet[] {cxrNet, ecgNet}) {
            String prefix = (net == cxrNet ? MimicNetwork.CXR : MimicNetwork.ECG) + ".";
            net.load(cg, prefix, under(state, prefix), java.util.Set.of(), source + " (" + shown.apply(prefix)
                    + "*)");
        }
        for (String fc : new String[] {"cxr.fc", "ecg.fc", "labs.fc1", "labs.fc2", "labs.fc"}) {
            copy(state, fc + ".weight", fc, "W", true, source, shown);
            copy(state, fc + ".bias", fc, "b", false, source, shown);
        }
        for (String ln : new String[] {"cxr.ln", "ecg.ln", "labs.ln"}) {
            copy(state, ln + ".weight", ln, "gamma", false, source, shown);
            copy(state, ln + ".bias", ln, "beta", false, source, shown);
        }
        copy(state, "logit_scale", MimicNetwork.LOSS, org.symile.samediff.dl4j.SymileOutputLayer.LOGIT_SCALE, false,
                source, shown);
    }

    private static Map<String, INDArray> under(Map<String, INDArray> state, String prefix) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    private void copy(Map<String, INDArray> state, String key, String layer, String param, boolean transpose,
                      String source, UnaryOperator<String> shown) {
        INDArray a = state.get(key);
        if (a == null) {
            throw new IllegalArgumentException(source + ": missing tensor '" + shown.apply(key) + "'");
        }
        INDArray target = cg.getLayer(layer).getParam(param);
        INDArray v = transpose ? a.transpose() : a.length() == target.length() ? a.reshape(target.shape()) : a;
        if (!java.util.Arrays.equals(v.shape(), target.shape())) {
            throw new IllegalArgumentException(source + ": tensor '" + shown.apply(key) + "' has shape "
                    + java.util.Arrays.toString(a.shape()) + ", expected " + java.util.Arrays.toString(
                    transpose ? target.transpose().shape() : target.shape()));
        }
        target.assign(v.castTo(target.dataType()));
    }

    @Override
    protected INDArray[] inputs(Batch batch) {
        DataType t = dataType();
        return new INDArray[] {batch.get("cxr").castTo(t), batch.get("ecg").castTo(t), batch.get("labs").castTo(t)};
    }

    /** {@code r_cxr}, {@code r_ecg}, {@code r_labs} ([B, d] each) of a batch, evaluation mode. */
    public Map<String, INDArray> encode(Batch batch) {
        INDArray[] r = represent(batch);
        return Map.of("r_cxr", r[0], "r_ecg", r[1], "r_labs", r[2]);
    }

    /**
     * One modality's representations [B, d] in evaluation mode (running batch-norm statistics), computed by that
     * modality's encoder alone: {@code cxr} [B, 3, H, W], {@code ecg} [B, 1, T, 12], {@code labs} [B, 100]
     * (percentiles, then the observed indicators). The weights are those of the model when the modality is first
     * encoded.
     *
     * @throws IllegalArgumentException for another modality or an input of the wrong rank or channels
     */
    public INDArray encode(String modality, INDArray input) {
        long[] expected = switch (modality) {
            case MimicNetwork.CXR -> architecture.cxrShape();
            case MimicNetwork.ECG -> architecture.ecgShape();
            case MimicNetwork.LABS -> new long[] {MimicNetwork.LAB_INPUTS};
            default -> throw new IllegalArgumentException("modality '" + modality + "': symile_mimic has cxr, ecg"
                    + " and labs");
        };
        if (input.rank() != expected.length + 1 || input.size(1) != expected[0]) {
            throw new IllegalArgumentException(modality + ": expected shape [B, " + java.util.Arrays.toString(expected)
                    .replaceAll("[\\[\\]]", "") + "], got " + java.util.Arrays.toString(input.shape()));
        }
        ComputationGraph g = branches.computeIfAbsent(modality, m -> {
            ComputationGraph b = MimicNetwork.branch(architecture, m, dataType());
            for (Layer l : b.getLayers()) {
                l.setParams(cg.getLayer(l.getConfig().getLayerName()).params());
            }
            return b;
        });
        return g.output(false, input.castTo(dataType()))[0];
    }

    @Override
    public void release() {
        branches.values().forEach(ComputationGraph::close);
        branches.clear();
        cg.close();
    }
}
