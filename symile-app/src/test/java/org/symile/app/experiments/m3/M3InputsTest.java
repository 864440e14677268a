package org.symile.app.experiments.m3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.train.Batch;
import org.symile.samediff.nn.TextEncoder;

class M3InputsTest {
    // raw XLM-R ids 0 (bos), 1 (pad), 2 (eos), 5 and 9 occur: compact ids 0..4, [MISSING] = 5
    static final TokenVocabulary VOCAB = new TokenVocabulary(new long[] {9, 0, 5, 2, 1});
    static final TextEncoder.Config TEXT = new TextEncoder.Config(VOCAB.size(), 8, 2, 16, 10, 1, 1e-5, 1, true);

    static Batch raw(boolean withIndicators) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("text_input_ids", Nd4j.createFromArray(new long[][] {{0, 5, 9, 2, 1, 1}, {0, 9, 2, 1, 1, 1},
                {0, 5, 5, 9, 2, 1}}));
        m.put("text_attention_mask", Nd4j.createFromArray(new float[][] {{1, 1, 1, 1, 0, 0}, {1, 1, 1, 0, 0, 0},
                {1, 1, 1, 1, 1, 0}}));
        m.put("audio", Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
        m.put("image", Nd4j.createFromArray(new float[][] {{7, 8, 9}, {1, 1, 1}, {2, 2, 2}}));
        m.put("cls_id", Nd4j.createFromArray(4L, 0L, 7L));
        if (withIndicators) {
            m.put("text_missing", Nd4j.createFromArray(0, 1, 0));
            m.put("audio_missing", Nd4j.createFromArray(0, 1, 0));
            m.put("image_missing", Nd4j.createFromArray(1, 0, 0));
        }
        return new Batch(m, 3);
    }

    static M3Inputs inputs(boolean missingness) {
        return new M3Inputs(VOCAB, TEXT, missingness, Nd4j.createFromArray(10f, 20f),
                Nd4j.createFromArray(-1f, -2f, -3f));
    }

    @Test
    void missingModalitiesBecomeTheMissingTokenAndTheSplitMeans() {
        Batch b = inputs(true).apply(raw(true));
        // row 0 as given; row 1's text is [bos, [MISSING], eos, pad...]; compact ids follow the sorted raw ids
        assertArrayEquals(new int[][] {{0, 3, 4, 2, 1, 1}, {0, 5, 2, 1, 1, 1}, {0, 3, 3, 4, 2, 1}},
                b.get("ids").toIntMatrix());
        assertArrayEquals(new float[][] {{1, 1, 1, 1, 0, 0}, {1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 0}},
                b.get("mask").toFloatMatrix());
        // XLM-R positions: tokens from padding_idx + 1 = 2, padding at 1; [MISSING] counts as a token
        assertArrayEquals(new int[][] {{2, 3, 4, 5, 1, 1}, {2, 3, 4, 1, 1, 1}, {2, 3, 4, 5, 6, 1}},
                b.get("pos").toIntMatrix());
        assertArrayEquals(new float[][] {{1, 2}, {10, 20}, {5, 6}}, b.get("audio").toFloatMatrix());
        assertArrayEquals(new float[][] {{-1, -2, -3}, {1, 1, 1}, {2, 2, 2}}, b.get("image").toFloatMatrix());
        assertArrayEquals(new float[][] {{0}, {1}, {0}}, b.get("audio_missing").toFloatMatrix());
        assertArrayEquals(new float[][] {{1}, {0}, {0}}, b.get("image_missing").toFloatMatrix());
        assertArrayEquals(new float[] {0, 0, 1}, b.get("all_observed").toFloatVector());
        assertArrayEquals(new long[] {4, 0, 7}, b.get("cls").toLongVector());
        assertEquals(DataType.INT, b.get("ids").dataType());
    }

    @Test
    void withoutMissingnessEveryRowIsObservedAndUnchanged() {
        Batch b = inputs(false).apply(raw(false));
        assertArrayEquals(new int[] {0, 4, 2, 1, 1, 1}, b.get("ids").toIntMatrix()[1]);
        assertArrayEquals(new float[][] {{1, 2}, {3, 4}, {5, 6}}, b.get("audio").toFloatMatrix());
        assertArrayEquals(new float[][] {{0}, {0}, {0}}, b.get("audio_missing").toFloatMatrix());
        assertArrayEquals(new float[] {1, 1, 1}, b.get("all_observed").toFloatVector());
    }

    @Test
    void unknownTokensMapToMissingAndTheRawBatchIsNotModified() {
        Batch r = raw(true);
        INDArray audioBefore = r.get("audio").dup();
        r.get("text_input_ids").putScalar(0, 1, 77);
        Batch b = inputs(true).apply(r);
        assertEquals(VOCAB.missingId(), b.get("ids").getInt(0, 1));
        assertEquals(audioBefore, r.get("audio"), "imputation works on a copy");
    }
}
