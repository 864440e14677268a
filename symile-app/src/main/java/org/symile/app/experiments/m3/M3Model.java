package org.symile.app.experiments.m3;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.LossSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.samediff.SameDiffModel;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.Permutations;
import org.symile.samediff.nn.EagerTextEncoder;
import org.symile.samediff.nn.LayerNorm;
import org.symile.samediff.nn.Linear;
import org.symile.samediff.nn.TextEncoder;

/**
 * The Symile-M3 model (spec §5.5), modality order (audio, image, text):
 * <ul>
 *   <li>audio, image: Linear(H → d) + LayerNorm(d); with missingness, an Embedding(2, H) row chosen by the
 *       missing indicator is concatenated to the (imputed) features and the head is Linear(2H → d) + LayerNorm
 *       (the lookup is written (1 − m)·E₀ + m·E₁, exact);</li>
 *   <li>text: {@link TextEncoder} (embeddings + layer 0), Linear(H → d) at every position, the mean over all L
 *       positions (padding included, as upstream), LayerNorm(d). Computed as the Linear of the mean: the same
 *       function (mean_l(h_l W + b) = (mean_l h_l) W + b) with L times fewer products. The encoder itself runs
 *       outside the graph ({@link EagerTextEncoder}, hand-written backward, a quarter of the graph form's
 *       activations); its parameters are graph variables and its output enters as the fed variable
 *       {@code text_hidden} [B, L, H].</li>
 * </ul>
 * No L2 normalisation (upstream §1.8). Batch inputs: {@code audio} [B, H_a], {@code image} [B, H_i], {@code ids},
 * {@code pos} [B, L] int32, {@code mask} [B, L], and with missingness {@code audio_missing},
 * {@code image_missing} [B, 1]; the first two and the indicators are graph placeholders. Outputs {@code r_audio}, {@code r_image}, {@code r_text}: [B, d].
 */
public final class M3Model extends SameDiffModel {
    /** The text encoder's output [B, L, H], computed outside the graph ({@link EagerTextEncoder}). */
    private static final String TEXT_HIDDEN = "text_hidden";
    private final TextEncoder text;
    private final EagerTextEncoder eagerText;
    /** The training step's text pass, kept for its backward. */
    private EagerTextEncoder.Pass textPass;
    /** The pass whose output the graph's variable holds. */
    private EagerTextEncoder.Pass lastPass;
    private final boolean missingness;
    private final M3Architecture architecture;
    private final TokenVocabulary vocabulary;
    private final double textDropout;
    /** The current step's dropout seed, drawn from its negatives' stream. */
    private long stepSeed;

    public M3Model(M3Architecture a, LossSpec loss, RandomGenerator init) {
        this(a, loss, init, 0, 0);
    }

    /**
     * A model whose steps are gradient-cached when {@code microRows} > 0 ({@code --micro_batch_sz}) and whose text
     * encoder applies dropout {@code textDropout} while training ({@code --text_dropout}), its masks drawn from each
     * step's seed and each row's index in the step's batch, so a cached step's two passes and a plain step of the
     * same batch drop the same units.
     *
     * @param microRows   the rows encoded at once, or 0 for plain steps
     * @param textDropout the dropout probability, 0 for none
     */
    public M3Model(M3Architecture a, LossSpec loss, RandomGenerator init, int microRows, double textDropout) {
        this.textDropout = textDropout;
        this.missingness = a.missingness();
        this.architecture = a;
        this.vocabulary = a.vocabulary();
        DataType f = DataType.FLOAT;
        SDVariable audio = sd.placeHolder("audio", f, -1, a.audioDim());
        SDVariable image = sd.placeHolder("image", f, -1, a.imageDim());
        SDVariable ra = head("audio", audio, a.audioDim(), a.d(), init).rename("r_audio");
        SDVariable ri = head("image", image, a.imageDim(), a.d(), init).rename("r_image");
        SDVariable hidden = fedVariable(TEXT_HIDDEN, f, 1, 1, a.text().hidden());
        text = TextEncoder.parametersOnly(sd, "text", a.text(), init, f);
        eagerText = new EagerTextEncoder(text);
        Linear proj = Linear.create(sd, "text_proj", a.text().hidden(), a.d(), true, init, f);
        LayerNorm tn = LayerNorm.create(sd, "text_ln", a.d(), LayerNorm.EPS, f);
        SDVariable rt = tn.apply(sd, proj.apply(sd, hidden.mean(1)), 2).rename("r_text");
        LogitScale scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, loss.logitScaleInit(),
                loss.freezeLogitScale(), f);
        finish(List.of(ra, ri, rt), a.d(), scale, loss, LossForm.GRAPH, microRows);
    }

    private SDVariable head(String name, SDVariable features, long h, long d, RandomGenerator init) {
        SDVariable in = features;
        long width = h;
        if (missingness) {
            SDVariable m = sd.placeHolder(name + "_missing", DataType.FLOAT, -1, 1);
            double[] e = new double[(int) (2 * h)];
            for (int i = 0; i < e.length; i++) {
                e[i] = init.nextGaussian();
            }
            SDVariable table = sd.var(name + "_missing_emb", Nd4j.create(e, new long[] {2, h}, DataType.DOUBLE)
                    .castTo(DataType.FLOAT));
            SDVariable row0 = sd.reshape(sd.mmul(sd.constant(Nd4j.createFromArray(new float[][] {{1, 0}})), table), 1, h);
            SDVariable row1 = sd.reshape(sd.mmul(sd.constant(Nd4j.createFromArray(new float[][] {{0, 1}})), table), 1, h);
            SDVariable emb = m.rsub(1.0).mul(row0).add(m.mul(row1));
            in = sd.concat(1, features, emb);
            width = 2 * h;
        }
        Linear l = Linear.create(sd, name + "_proj", width, d, true, init, DataType.FLOAT);
        return LayerNorm.create(sd, name + "_ln", d, LayerNorm.EPS, DataType.FLOAT).apply(sd, l.apply(sd, in), 2);
    }

    /** Free the heads' intermediates as backprop goes rather than keep a step's all (they are [B, d] wide). */
    @Override
    protected boolean stepWorkspace() {
        return false;
    }

    @Override
    protected void beginStep(Permutations negatives) {
        if (textDropout > 0) {
            stepSeed = negatives.nextSeed();
        }
    }

    @Override
    protected Map<String, INDArray> placeholders(Batch batch, Feed feed) {
        if (textPass != null) {
            textPass.close();
            textPass = null;
        }
        EagerTextEncoder.Dropout dropout = feed.training() && textDropout > 0
                ? new EagerTextEncoder.Dropout(textDropout, stepSeed, batch.firstRow()) : null;
        EagerTextEncoder.Pass pass = eagerText.forward(batch.get("ids"), batch.get("pos"), batch.get("mask"),
                feed.keep(), dropout);
        // the graph's variable takes the output (its gradient function keeps the array itself, so the previous
        // pass's output is freed only now that both point at the new one)
        sd.getVariable(TEXT_HIDDEN).setArray(pass.output());
        if (lastPass != null) {
            lastPass.releaseOutput();
        }
        lastPass = pass;
        if (feed.keep()) {
            textPass = pass;
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String k : new String[] {"audio", "image"}) {
            out.put(k, batch.get(k));
        }
        if (missingness) {
            out.put("audio_missing", batch.get("audio_missing"));
            out.put("image_missing", batch.get("image_missing"));
        }
        return out;
    }

    /** The text encoder's parameter gradients, from the graph's gradient with respect to its output. */
    @Override
    protected void externalGradients(Batch batch, Map<String, INDArray> gradients) {
        INDArray dHidden = gradients.remove(TEXT_HIDDEN);
        gradients.putAll(textPass.backward(dHidden));
        textPass = null;
        dHidden.close();
    }

    /** The text encoder, for loading pretrained weights. */
    public TextEncoder text() {
        return text;
    }

    /** {@code r_audio}, {@code r_image}, {@code r_text} ([B, d] each) of a batch of model inputs, evaluation mode. */
    public Map<String, INDArray> encode(Batch batch) {
        return evaluate(batch, "r_audio", "r_image", "r_text");
    }

    /**
     * One modality's representations [B, d] in evaluation mode, from inputs named as the split tensors: audio
     * {@code audio} [B, H_a]; image {@code image} [B, H_i]; text {@code text_input_ids} and
     * {@code text_attention_mask} [B, L] (the tokenizer's raw ids; ids the model never saw act as [MISSING]).
     * A model with missingness also reads an optional {@code <modality>_missing} [B] (1 = missing): a missing
     * text becomes the [MISSING] text; missing audio or image rows are encoded as given, so impute them first
     * (upstream uses the split's mean feature vector).
     *
     * @throws IllegalArgumentException naming the modality or input when one is unknown, missing or misshaped
     */
    public INDArray encode(String modality, Map<String, INDArray> inputs) {
        String missingKey = modality + "_missing";
        INDArray missing = inputs.get(missingKey);
        if (missing != null && !missingness) {
            throw new IllegalArgumentException(missingKey + ": this model was trained without missingness");
        }
        switch (modality) {
            case "audio", "image" -> {
                INDArray x = require(inputs, modality, modality.equals("audio") ? architecture.audioDim()
                        : architecture.imageDim());
                Map<String, INDArray> feed = new LinkedHashMap<>();
                feed.put(modality, x.castTo(DataType.FLOAT));
                if (missingness) {
                    feed.put(missingKey, indicator(missing, x.rows(), missingKey).reshape(x.rows(), 1));
                }
                return sd.output(feed, "r_" + modality).get("r_" + modality);
            }
            case "text" -> {
                INDArray ids = require(inputs, "text_input_ids", -1);
                INDArray mask = require(inputs, "text_attention_mask", ids.columns());
                if (mask.rows() != ids.rows()) {
                    throw new IllegalArgumentException("text_attention_mask: " + mask.rows() + " rows, but"
                            + " text_input_ids has " + ids.rows());
                }
                int[] miss = missing == null ? null : indicator(missing, ids.rows(), missingKey).toIntVector();
                Map<String, INDArray> t = M3Inputs.text(vocabulary, architecture.text(), ids, mask, miss);
                EagerTextEncoder.Pass pass = eagerText.forward(t.get("ids"), t.get("pos"), t.get("mask"), false);
                sd.getVariable(TEXT_HIDDEN).setArray(pass.output());
                if (lastPass != null) {
                    lastPass.releaseOutput();
                }
                lastPass = pass;
                return sd.output(Map.of(), "r_text").get("r_text");
            }
            default -> throw new IllegalArgumentException("modality '" + modality + "': symile_m3 has audio, image"
                    + " and text");
        }
    }

    private static INDArray require(Map<String, INDArray> inputs, String name, long columns) {
        INDArray x = inputs.get(name);
        if (x == null) {
            throw new IllegalArgumentException(name + ": required input missing (given: " + inputs.keySet() + ")");
        }
        if (x.rank() != 2 || (columns >= 0 && x.columns() != columns)) {
            throw new IllegalArgumentException(name + ": expected shape [B, " + (columns >= 0 ? columns : "L")
                    + "], got " + java.util.Arrays.toString(x.shape()));
        }
        return x;
    }

    private static INDArray indicator(INDArray m, long rows, String name) {
        if (m.length() != rows) {
            throw new IllegalArgumentException(name + ": expected " + rows + " indicators, got shape "
                    + java.util.Arrays.toString(m.shape()));
        }
        return m.reshape(rows).castTo(DataType.FLOAT);
    }

    @Override
    public void release() {
        if (lastPass != null) {
            lastPass.releaseOutput();
            lastPass = null;
        }
        if (textPass != null) {
            textPass.close();
            textPass = null;
        }
    }

    @Override
    protected List<String> modalities() {
        return ExperimentKind.SYMILE_M3.modalities();
    }
}
