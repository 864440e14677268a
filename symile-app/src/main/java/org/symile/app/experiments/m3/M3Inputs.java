package org.symile.app.experiments.m3;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.train.Batch;
import org.symile.samediff.nn.TextEncoder;

/**
 * Turns raw Symile-M3 batches into model inputs (spec §5.4): token ids renumbered into the compact vocabulary,
 * position ids, the attention mask as floats; with missingness, a missing text becomes {@code [bos, [MISSING],
 * eos, pad...]}, and missing audio or image features become the split's mean vector, with the indicators passed
 * as [B, 1] floats. Also carries {@code cls} and {@code all_observed} for evaluation.
 */
final class M3Inputs {
    /** XLM-R's special tokens (the M3 pipeline's tokenizer). */
    static final long BOS = 0;
    static final long PAD = 1;
    static final long EOS = 2;

    private final TokenVocabulary vocab;
    private final TextEncoder.Config text;
    private final boolean missingness;
    private final INDArray audioMean;
    private final INDArray imageMean;

    M3Inputs(TokenVocabulary vocab, TextEncoder.Config text, boolean missingness, INDArray audioMean,
             INDArray imageMean) {
        this.vocab = vocab;
        this.text = text;
        this.missingness = missingness;
        this.audioMean = audioMean;
        this.imageMean = imageMean;
    }

    Batch apply(Batch raw) {
        int b = raw.rows();
        INDArray audio = raw.get("audio").dup();
        INDArray image = raw.get("image").dup();
        float[] audioMiss = new float[b];
        float[] imageMiss = new float[b];
        int[] textMiss = null;
        float[] obs = new float[b];
        java.util.Arrays.fill(obs, 1f);
        if (missingness) {
            textMiss = raw.get("text_missing").toIntVector();
            int[] am = raw.get("audio_missing").toIntVector();
            int[] im = raw.get("image_missing").toIntVector();
            for (int r = 0; r < b; r++) {
                if (am[r] == 1) {
                    audio.getRow(r).assign(audioMean);
                    audioMiss[r] = 1;
                }
                if (im[r] == 1) {
                    image.getRow(r).assign(imageMean);
                    imageMiss[r] = 1;
                }
                obs[r] = textMiss[r] == 0 && am[r] == 0 && im[r] == 0 ? 1f : 0f;
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("audio", audio);
        out.put("image", image);
        out.putAll(text(vocab, text, raw.get("text_input_ids"), raw.get("text_attention_mask"), textMiss));
        out.put("audio_missing", Nd4j.createFromArray(audioMiss).reshape(b, 1));
        out.put("image_missing", Nd4j.createFromArray(imageMiss).reshape(b, 1));
        out.put("cls", raw.get("cls_id").castTo(DataType.LONG));
        out.put("all_observed", Nd4j.createFromArray(obs));
        return new Batch(out, b);
    }

    /**
     * The text encoder's inputs {@code ids} (compact vocabulary), {@code pos} (int32 [B, L]) and {@code mask}
     * (float [B, L]) of raw token ids and attention mask [B, L].
     *
     * @param missing per row 1 where the text is missing (it becomes {@code [bos, [MISSING], eos, pad...]}), or
     *                null when none is
     */
    static Map<String, INDArray> text(TokenVocabulary vocab, TextEncoder.Config text, INDArray ids, INDArray maskIn,
                                      int[] missing) {
        long[][] rawIds = ids.castTo(DataType.LONG).toLongMatrix();
        float[][] mask = maskIn.castTo(DataType.FLOAT).toFloatMatrix();
        int b = rawIds.length;
        int len = b == 0 ? 0 : rawIds[0].length;
        for (int r = 0; r < b && missing != null; r++) {
            if (missing[r] == 1) {
                java.util.Arrays.fill(rawIds[r], PAD);
                java.util.Arrays.fill(mask[r], 0f);
                rawIds[r][0] = BOS;
                rawIds[r][1] = -1; // [MISSING]
                rawIds[r][2] = EOS;
                mask[r][0] = mask[r][1] = mask[r][2] = 1f;
            }
        }
        int[][] compact = new int[b][len];
        int[][] posRaw = new int[b][len];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < len; i++) {
                compact[r][i] = rawIds[r][i] < 0 ? vocab.missingId() : vocab.compact(rawIds[r][i]);
                posRaw[r][i] = (int) Math.min(Integer.MAX_VALUE, rawIds[r][i] < 0 ? 3 : rawIds[r][i]);
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("ids", Nd4j.createFromArray(compact));
        out.put("pos", Nd4j.createFromArray(TextEncoder.positionIds(posRaw, text)));
        out.put("mask", Nd4j.createFromArray(mask));
        return out;
    }
}
