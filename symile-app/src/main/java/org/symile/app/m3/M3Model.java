package org.symile.app.m3;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.config.TrainArgs;
import org.symile.app.train.Batch;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossGraph;
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
 *       positions (padding included, as upstream), LayerNorm(d).</li>
 * </ul>
 * No L2 normalisation (upstream §1.8). Placeholders: {@code audio} [B, H_a], {@code image} [B, H_i],
 * {@code ids}, {@code pos} [B, L] int32, {@code mask} [B, L], and with missingness {@code audio_missing},
 * {@code image_missing} [B, 1].
 */
public final class M3Model implements TrainableModel {
    private final SameDiff sd = SameDiff.create();
    private final LogitScale scale;
    private final LossGraph loss;
    private final List<String> trainable = new ArrayList<>();
    private final TextEncoder text;
    private final boolean missingness;
    private final String lossFn;

    /** Sizes the model is built for. */
    public record Sizes(long audioDim, long imageDim, long d, TextEncoder.Config text, boolean missingness) {
    }

    public M3Model(Sizes s, TrainArgs args, RandomGenerator init) {
        this.missingness = s.missingness();
        this.lossFn = args.lossFn();
        DataType f = DataType.FLOAT;
        SDVariable audio = sd.placeHolder("audio", f, -1, s.audioDim());
        SDVariable image = sd.placeHolder("image", f, -1, s.imageDim());
        SDVariable ra = head("audio", audio, s.audioDim(), s.d(), init).rename("r_audio");
        SDVariable ri = head("image", image, s.imageDim(), s.d(), init).rename("r_image");
        SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
        SDVariable pos = sd.placeHolder("pos", DataType.INT32, -1, -1);
        SDVariable mask = sd.placeHolder("mask", f, -1, -1);
        text = new TextEncoder(sd, "text", s.text(), ids, pos, mask, init, f);
        Linear proj = Linear.create(sd, "text_proj", s.text().hidden(), s.d(), true, init, f);
        LayerNorm tn = LayerNorm.create(sd, "text_ln", s.d(), LayerNorm.EPS, f);
        SDVariable rt = tn.apply(sd, proj.applyRank3(sd, text.output()).mean(1), 2).rename("r_text");
        scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, args.logitScaleInit(), args.freezeLogitScale(), f);
        List<SDVariable> reps = List.of(ra, ri, rt);
        loss = TrainableModel.buildLoss(sd, args, reps, scale);
        trainable.addAll(TrainableModel.variablesToTrain(sd));
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

    @Override
    public SameDiff graph() {
        return sd;
    }

    @Override
    public LossGraph loss() {
        return loss;
    }

    @Override
    public List<String> trainable() {
        return trainable;
    }

    @Override
    public Map<String, INDArray> placeholders(Batch batch, boolean training) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String k : new String[] {"audio", "image", "ids", "pos", "mask"}) {
            out.put(k, batch.get(k));
        }
        if (missingness) {
            out.put("audio_missing", batch.get("audio_missing"));
            out.put("image_missing", batch.get("image_missing"));
        }
        return out;
    }

    @Override
    public String logScaleName() {
        return scale.logScale().name();
    }

    public TextEncoder text() {
        return text;
    }

    public boolean missingness() {
        return missingness;
    }

    public String lossFn() {
        return lossFn;
    }

    /** exp(log s). */
    public double scale() {
        return Math.exp(sd.getArrForVarName(scale.logScale().name()).getDouble(0));
    }
}
