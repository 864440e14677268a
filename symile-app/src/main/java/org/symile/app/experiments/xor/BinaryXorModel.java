package org.symile.app.experiments.xor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.LossSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.samediff.SameDiffModel;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.nn.L2Normalize;
import org.symile.samediff.nn.Linear;

/**
 * The binary XOR model (spec §3.3): three independent Linear(d_v → d) encoders with bias and no activation, each
 * output L2-normalised ({@code r_a}, {@code r_b}, {@code r_c}, each [B, d]), and the learned log-scale.
 * Modality order in the loss is (a, b, c). Placeholders {@code a}, {@code b}, {@code c}: [B, d_v].
 */
public final class BinaryXorModel extends SameDiffModel {
    static final String[] MODALITIES = {"a", "b", "c"};

    /**
     * @param dV   bits per vector
     * @param d    representation width
     * @param init draws the Linear layers' initial weights (PyTorch's default scheme)
     */
    public BinaryXorModel(int dV, int d, LossSpec loss, RandomGenerator init) {
        this(dV, d, loss, init, 0);
    }

    /**
     * A model whose steps are gradient-cached when {@code microRows} > 0 ({@code --micro_batch_sz}).
     *
     * @param microRows the rows encoded at once, or 0 for plain steps
     */
    public BinaryXorModel(int dV, int d, LossSpec loss, RandomGenerator init, int microRows) {
        List<SDVariable> reps = new ArrayList<>();
        for (String m : MODALITIES) {
            SDVariable in = sd.placeHolder(m, DataType.FLOAT, -1, dV);
            Linear f = Linear.create(sd, "f_" + m, dV, d, true, init, DataType.FLOAT);
            reps.add(L2Normalize.apply(sd, f.apply(sd, in)).rename("r_" + m));
        }
        LogitScale scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, loss.logitScaleInit(),
                loss.freezeLogitScale(), DataType.FLOAT);
        // one linear layer per modality: the [B, B] logits are the step, so the loss takes its closed form
        finish(reps, d, scale, loss, LossForm.CLOSED_FORM, microRows);
    }

    @Override
    protected Map<String, INDArray> placeholders(Batch batch, Feed feed) {
        return Map.of("a", batch.get("a"), "b", batch.get("b"), "c", batch.get("c"));
    }

    /** {@code r_b} [n, d] of the candidate vectors [n, d_v]. */
    INDArray encodeB(INDArray b) {
        return sd.output(Map.of("b", b), "r_b").get("r_b");
    }

    /** {@code r_a}, {@code r_c} ([n, d] each) of queries a, c [n, d_v]. */
    Map<String, INDArray> encodeQueries(INDArray a, INDArray c) {
        return sd.output(Map.of("a", a, "c", c), "r_a", "r_c");
    }

    /**
     * One modality's representations {@code r_<m>} [B, d] (unit rows) of its bit vectors [B, d_v].
     *
     * @throws IllegalArgumentException for a modality other than a, b, c or an input of another width
     */
    public INDArray encode(String modality, INDArray bits) {
        if (!List.of(MODALITIES).contains(modality)) {
            throw new IllegalArgumentException("modality '" + modality + "': binary_xor has a, b and c");
        }
        long dV = sd.getVariable(modality).getShape()[1];
        if (bits.rank() != 2 || bits.columns() != dV) {
            throw new IllegalArgumentException(modality + ": expected shape [B, " + dV + "], got "
                    + java.util.Arrays.toString(bits.shape()));
        }
        return sd.output(Map.of(modality, bits.castTo(DataType.FLOAT)), "r_" + modality).get("r_" + modality);
    }

    @Override
    protected List<String> modalities() {
        return ExperimentKind.BINARY_XOR.modalities();
    }
}
