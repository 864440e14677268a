package org.symile.app.experiments.mimic;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.run.Json;
import org.symile.app.run.ModelSource;
import org.symile.app.spec.RunSpec;
import org.symile.data.TensorSource;

/**
 * Upstream's Symile-MIMIC LightningModule (upstream-checkpoints.md) mapped onto {@link MimicModel}:
 * <pre>
 *   cxr_encoder.resnet.{conv1, bn1, layer1.0.conv1, …}  → cxr.* (torchvision names)
 *   cxr_encoder.resnet.fc, cxr_encoder.layer_norm        → cxr.fc, cxr.ln
 *   ecg_encoder.*                                        → ecg.* likewise
 *   labs_encoder.fc1, fc2, fc3, layer_norm               → labs.fc1, labs.fc2, labs.fc, labs.ln
 *   logit_scale                                          → the loss layer's log-scale
 * </pre>
 * {@code d} and the ResNets' base width come from the tensors. Input sizes are in no tensor (the ResNets pool
 * globally): the architecture leaves them open, and {@code test} takes them from the test split, the inference API
 * from upstream's preprocessing (CXR 3×320×320, ECG 1×5000×12).
 */
public final class MimicUpstream {
    /** Upstream's preprocessed input shapes (upstream-behaviour.md §6). */
    public static final long[] CXR_SHAPE = {3, 320, 320};
    public static final long[] ECG_SHAPE = {1, 5000, 12};

    private static final Map<String, String> PREFIXES = new LinkedHashMap<>();

    static {
        PREFIXES.put("cxr_encoder.resnet.fc.", "cxr.fc.");
        PREFIXES.put("ecg_encoder.resnet.fc.", "ecg.fc.");
        PREFIXES.put("cxr_encoder.resnet.", "cxr.");
        PREFIXES.put("ecg_encoder.resnet.", "ecg.");
        PREFIXES.put("cxr_encoder.layer_norm.", "cxr.ln.");
        PREFIXES.put("ecg_encoder.layer_norm.", "ecg.ln.");
        PREFIXES.put("labs_encoder.fc1.", "labs.fc1.");
        PREFIXES.put("labs_encoder.fc2.", "labs.fc2.");
        PREFIXES.put("labs_encoder.fc3.", "labs.fc.");
        PREFIXES.put("labs_encoder.layer_norm.", "labs.ln.");
    }

    private MimicUpstream() {
    }

    /**
     * @throws IllegalArgumentException naming the parameter (and shapes) when the file does not fit
     */
    public static ModelSource read(Path file, RunSpec spec, Map<String, TensorSource> state) {
        String source = "--ckpt_path " + file;
        Map<String, INDArray> ours = new LinkedHashMap<>();
        Map<String, String> shown = new LinkedHashMap<>();
        for (Map.Entry<String, TensorSource> e : state.entrySet()) {
            String k = e.getKey();
            String mapped = rename(k);
            if (mapped == null) {
                throw new IllegalArgumentException(source + ": parameter '" + k + "' is not part of upstream's"
                        + " Symile-MIMIC model");
            }
            if (k.endsWith("num_batches_tracked")) {
                continue;
            }
            ours.put(mapped, e.getValue().read());
            shown.put(mapped, k);
        }
        shown.put("cxr.", "cxr_encoder.resnet.");
        shown.put("ecg.", "ecg_encoder.resnet.");
        INDArray ln = need(ours, "cxr.ln.weight", source);
        INDArray conv1 = need(ours, "cxr.conv1.weight", source);
        if (ln.length() != spec.mimic().d()) {
            throw new IllegalArgumentException(source + ": hyper_parameters give d " + spec.mimic().d()
                    + ", but cxr_encoder.layer_norm.weight has shape " + Arrays.toString(ln.shape()));
        }
        MimicArchitecture a = new MimicArchitecture(new long[0], new long[0], ln.length(), conv1.size(0));
        return new ModelSource(file, spec.experiment(), spec, Json.tree(a), (model, src) ->
                ((MimicModel) model).loadTorchState(ours, src, n -> shown.getOrDefault(n, n)), true);
    }

    /** Input shapes of a model whose architecture left them open: the test data's, else upstream's. */
    public static MimicArchitecture withShapes(MimicArchitecture a, long[] cxr, long[] ecg) {
        return a.cxrShape().length > 0 ? a : new MimicArchitecture(cxr, ecg, a.d(), a.resnetBaseWidth());
    }

    private static String rename(String k) {
        if (k.equals("logit_scale")) {
            return k;
        }
        for (Map.Entry<String, String> p : PREFIXES.entrySet()) {
            if (k.startsWith(p.getKey())) {
                return p.getValue() + k.substring(p.getKey().length());
            }
        }
        return null;
    }

    private static INDArray need(Map<String, INDArray> m, String key, String source) {
        INDArray a = m.get(key);
        if (a == null) {
            throw new IllegalArgumentException(source + ": the state_dict has no '" + (key.startsWith("cxr.ln")
                    ? "cxr_encoder.layer_norm.weight" : "cxr_encoder.resnet.conv1.weight") + "'");
        }
        return a;
    }
}
