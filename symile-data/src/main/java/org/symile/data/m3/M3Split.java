package org.symile.data.m3;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.symile.data.SplitTensors;
import org.symile.data.TensorBatchIterator;
import org.symile.data.TensorSource;

/**
 * One split of Symile-M3 tensors (spec §5.3–5.4), validated: {@code text_input_ids} and
 * {@code text_attention_mask} [n, L] (float32 ids are delivered as int64), {@code image} [n, H_i] and
 * {@code audio} [n, H_a] floats, {@code cls_id} [n], and {@code lang_<split>.txt}; with a missingness
 * probability also the three {@code <modality>_missingness_prob<PP>} indicator files (1 = missing).
 */
public final class M3Split implements AutoCloseable {
    private final SplitTensors split;
    private final TensorSource ids;
    private final TensorSource mask;
    private final TensorSource image;
    private final TensorSource audio;
    private final TensorSource cls;
    private final List<String> langs;
    private final Double missingnessProb;

    private M3Split(SplitTensors split, Double missingnessProb) {
        this.split = split;
        this.missingnessProb = missingnessProb;
        this.ids = split.require(M3Layout.TEXT_IDS, SplitTensors.Kind.INTEGER_LIKE, -1);
        long len = ids.shape()[1];
        this.mask = split.require(M3Layout.TEXT_MASK, SplitTensors.Kind.ANY, len);
        this.image = split.require(M3Layout.IMAGE, SplitTensors.Kind.FLOAT, -1);
        this.audio = split.require(M3Layout.AUDIO, SplitTensors.Kind.FLOAT, -1);
        this.cls = split.require(M3Layout.CLS_ID, SplitTensors.Kind.INTEGER_LIKE);
        this.langs = split.textLines(M3Layout.LANG);
        if (missingnessProb != null) {
            for (String m : new String[] {"text", "image", "audio"}) {
                split.require(M3Layout.missingnessName(m, missingnessProb), SplitTensors.Kind.INTEGER_LIKE);
            }
        }
    }

    /**
     * Opens and validates {@code <dataDir>/<split>}.
     *
     * @param missingnessProb null, or the probability whose indicator files to require (train and val)
     */
    public static M3Split open(Path dataDir, String split, Double missingnessProb) {
        SplitTensors s = SplitTensors.open(dataDir, split);
        try {
            return new M3Split(s, missingnessProb);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public long rows() {
        return split.rows();
    }

    /** The split's name ({@code train}, {@code val}, {@code test}). */
    public String name() {
        return split.split();
    }

    /** The split's directory, {@code <data_dir>/<split>}. */
    public Path dir() {
        return split.dir();
    }

    /** Padded text length L of this split. */
    public long textLength() {
        return ids.shape()[1];
    }

    public long imageDim() {
        return image.shape()[1];
    }

    public long audioDim() {
        return audio.shape()[1];
    }

    /** Language code per row (lang_<split>.txt). */
    public List<String> languages() {
        return langs;
    }

    public TensorSource classIds() {
        return cls;
    }

    /** All token ids of the split, [n, L] (reads the ids once). */
    public org.nd4j.linalg.api.ndarray.INDArray tokenIds() {
        return ids.read();
    }

    /** Mean audio feature vector of this split (upstream imputes missing audio with it). */
    public org.nd4j.linalg.api.ndarray.INDArray audioMean() {
        return org.symile.data.TensorStats.columnMean(audio);
    }

    /** Mean image feature vector of this split. */
    public org.nd4j.linalg.api.ndarray.INDArray imageMean() {
        return org.symile.data.TensorStats.columnMean(image);
    }

    /**
     * Batch inputs: audio, image (float), text_input_ids (int64), text_attention_mask (float), cls_id (int64)
     * and, with missingness, the three indicators (int32) named {@code text_missing}, {@code image_missing},
     * {@code audio_missing}.
     */
    public List<TensorBatchIterator.Input> inputs(DataType floatType) {
        List<TensorBatchIterator.Input> in = new ArrayList<>(List.of(
                new TensorBatchIterator.Input(M3Layout.AUDIO, audio, floatType),
                new TensorBatchIterator.Input(M3Layout.IMAGE, image, floatType),
                new TensorBatchIterator.Input(M3Layout.TEXT_IDS, ids, DataType.INT),
                new TensorBatchIterator.Input(M3Layout.TEXT_MASK, mask, floatType),
                new TensorBatchIterator.Input(M3Layout.CLS_ID, cls, DataType.LONG)));
        if (missingnessProb != null) {
            for (String m : new String[] {"text", "image", "audio"}) {
                in.add(new TensorBatchIterator.Input(m + "_missing",
                        split.tensor(M3Layout.missingnessName(m, missingnessProb)), DataType.INT));
            }
        }
        return in;
    }

    /** A batch iterator over this split (see {@link #inputs}); {@code shuffle} null keeps the stored order. */
    public TensorBatchIterator iterator(int batchSize, boolean dropLast, java.util.random.RandomGenerator shuffle,
                                        DataType floatType) {
        return new TensorBatchIterator(inputs(floatType), batchSize, dropLast, shuffle);
    }

    @Override
    public void close() {
        split.close();
    }
}
