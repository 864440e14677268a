package org.symile.app.experiments.custom;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.spec.LossSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.samediff.SameDiffModel;
import org.symile.data.custom.CustomLayout;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.nn.L2Normalize;
import org.symile.samediff.nn.Linear;

/**
 * The custom experiment's model: per modality m with input x_m [B, w_m] (features, or normalised id counts for
 * categories and tokens, see {@link CustomInputs}),
 * <pre>
 *   h_m = Linear_k(ReLU(… ReLU(Linear_1(x_m)))) [B, d]     (--hidden_dims W_1..W_{k-1}; none: one Linear)
 *   r_m = L2Normalise((1 − a_m)·h_m + a_m·e_m)            (a_m [B, 1] = 1 where the modality is absent)
 * </pre>
 * with e_m [1, d] a learned representation of "absent" for modalities whose data has missingness indicators
 * (otherwise r_m = L2Normalise(h_m)), and the learned log-scale. Layers take PyTorch's default initialisation.
 * Placeholders: each modality's name, and {@code NAME_missing} [B, 1] where it can be absent; outputs
 * {@code r_NAME} [B, d].
 */
public final class CustomModel extends SameDiffModel {
    private final CustomArchitecture architecture;
    private final DataType dtype;

    /** A float32 model; steps gradient-cached when {@code microRows} > 0. */
    public CustomModel(CustomArchitecture a, LossSpec loss, RandomGenerator init, int microRows) {
        this(a, loss, init, microRows, DataType.FLOAT);
    }

    /** @param dtype FLOAT for training, DOUBLE for gradient checks */
    CustomModel(CustomArchitecture a, LossSpec loss, RandomGenerator init, int microRows, DataType dtype) {
        this.architecture = a;
        this.dtype = dtype;
        List<SDVariable> reps = new ArrayList<>();
        for (CustomArchitecture.Encoder e : a.encoders()) {
            SDVariable h = sd.placeHolder(e.name(), dtype, -1, e.inputs());
            long width = e.inputs();
            List<Integer> widths = new ArrayList<>(a.hiddenDims());
            widths.add(a.d());
            for (int k = 0; k < widths.size(); k++) {
                Linear layer = Linear.create(sd, e.name() + "_fc" + k, width, widths.get(k), true, init, dtype);
                h = layer.apply(sd, h);
                if (k < widths.size() - 1) {
                    h = sd.nn.relu(h, 0);
                }
                width = widths.get(k);
            }
            if (e.missing()) {
                SDVariable absent = sd.placeHolder(CustomLayout.missingName(e.name()), dtype, -1, 1);
                SDVariable embedding = sd.var(e.name() + "_absent", Linear.uniform(init, 1.0, dtype, 1, a.d()));
                h = absent.rsub(1.0).mul(h).add(absent.mul(embedding));
            }
            reps.add(L2Normalize.apply(sd, h).rename("r_" + e.name()));
        }
        LogitScale scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, loss.logitScaleInit(),
                loss.freezeLogitScale(), dtype);
        finish(reps, a.d(), scale, loss, LossForm.CLOSED_FORM, microRows);
    }

    /** The inputs of stored batches (ids to counts, indicators to columns) in this model's type. */
    CustomInputs inputs() {
        return new CustomInputs(architecture, dtype);
    }

    public CustomArchitecture architecture() {
        return architecture;
    }

    @Override
    protected Map<String, INDArray> placeholders(Batch batch, Feed feed) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (CustomArchitecture.Encoder e : architecture.encoders()) {
            out.put(e.name(), batch.get(e.name()));
            if (e.missing()) {
                String m = CustomLayout.missingName(e.name());
                out.put(m, batch.get(m));
            }
        }
        return out;
    }

    /** {@code r_NAME} [B, d] of every modality, in evaluation mode, from model inputs ({@link CustomInputs}). */
    public Map<String, INDArray> encode(Batch batch) {
        String[] names = architecture.names().stream().map(n -> "r_" + n).toArray(String[]::new);
        return evaluate(batch, names);
    }

    /**
     * One modality's representations {@code r_NAME} [B, d] in evaluation mode, from inputs named as the split
     * tensors: {@code NAME} (features [B, w], category ids [B] or token ids [B, L]), with tokens an optional
     * {@code NAME_mask} [B, L], and for a modality that can be absent an optional {@code NAME_missing} [B]
     * (1 = absent; default: present).
     *
     * @throws IllegalArgumentException naming the modality or input when one is unknown, missing or misshaped
     */
    public INDArray encode(String modality, Map<String, INDArray> inputs) {
        CustomArchitecture.Encoder e = architecture.encoder(modality);
        INDArray x = inputs.get(modality);
        if (x == null) {
            throw new IllegalArgumentException(modality + ": required input missing (given: " + inputs.keySet()
                    + ")");
        }
        long rows = x.rank() == 0 ? 1 : x.size(0);
        boolean fits = switch (e.kind()) {
            case FEATURES -> x.rank() == 2 && x.columns() == e.inputs();
            case CATEGORIES -> x.rank() == 1 || (x.rank() == 2 && x.columns() == 1);
            case TOKENS -> x.rank() == 2;
        };
        if (!fits) {
            throw new IllegalArgumentException(modality + ": expected " + switch (e.kind()) {
                case FEATURES -> "features [B, " + e.inputs() + "]";
                case CATEGORIES -> "category ids [B]";
                case TOKENS -> "token ids [B, L]";
            } + ", got shape " + java.util.Arrays.toString(x.shape()));
        }
        Map<String, INDArray> feed = new LinkedHashMap<>();
        CustomInputs in = inputs();
        if (e.kind() == CustomLayout.Kind.FEATURES) {
            feed.put(modality, x.castTo(dtype));
        } else {
            INDArray mask = inputs.get(CustomLayout.maskName(modality));
            if (mask != null && !java.util.Arrays.equals(mask.shape(), x.shape())) {
                throw new IllegalArgumentException(CustomLayout.maskName(modality) + ": shape "
                        + java.util.Arrays.toString(mask.shape()) + ", but " + modality + " has "
                        + java.util.Arrays.toString(x.shape()));
            }
            feed.put(modality, in.counts(e, x, mask));
        }
        String missingKey = CustomLayout.missingName(modality);
        INDArray missing = inputs.get(missingKey);
        if (missing != null && !e.missing()) {
            throw new IllegalArgumentException(missingKey + ": this model's " + modality + " is never absent");
        }
        if (e.missing()) {
            if (missing != null && missing.length() != rows) {
                throw new IllegalArgumentException(missingKey + ": expected " + rows + " indicators, got shape "
                        + java.util.Arrays.toString(missing.shape()));
            }
            feed.put(missingKey, missing == null ? org.nd4j.linalg.factory.Nd4j.zeros(dtype, rows, 1)
                    : missing.castTo(dtype).reshape(rows, 1));
        }
        return sd.output(feed, "r_" + modality).get("r_" + modality);
    }

    @Override
    protected List<String> modalities() {
        return architecture.names();
    }
}
