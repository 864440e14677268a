package org.symile.data.mimic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.symile.data.SplitTensors;
import org.symile.data.TensorBatchIterator;
import org.symile.data.TensorSource;

/**
 * One split of Symile-MIMIC tensors (spec §6.3–6.4), validated: {@code cxr} [n, 3, H, W], {@code ecg}
 * [n, 1, T, 12], {@code labs_percentiles} and {@code labs_missingness} [n, 50] (indicators: 1 = observed),
 * {@code hadm_id} [n]; the retrieval splits ({@code val_retrieval}, {@code test}) also {@code label_hadm_id}
 * and {@code label} [n].
 */
public final class MimicSplit implements AutoCloseable {
    private final SplitTensors split;
    private final TensorSource cxr;
    private final TensorSource ecg;
    private final TensorSource labs;
    private final TensorSource observed;
    private final TensorSource hadm;

    private MimicSplit(SplitTensors split) {
        this.split = split;
        this.cxr = split.require(MimicLayout.CXR, SplitTensors.Kind.FLOAT, 3, -1, -1);
        this.ecg = split.require(MimicLayout.ECG, SplitTensors.Kind.FLOAT, 1, -1, 12);
        this.labs = split.require(MimicLayout.LABS_PERCENTILES, SplitTensors.Kind.FLOAT, MimicLayout.LABS);
        this.observed = split.require(MimicLayout.LABS_MISSINGNESS, SplitTensors.Kind.INTEGER_LIKE,
                MimicLayout.LABS);
        this.hadm = split.require(MimicLayout.HADM_ID, SplitTensors.Kind.INTEGER_LIKE);
        if (MimicLayout.isRetrieval(split.split())) {
            split.require(MimicLayout.LABEL_HADM_ID, SplitTensors.Kind.INTEGER_LIKE);
            split.require(MimicLayout.LABEL, SplitTensors.Kind.INTEGER_LIKE);
        }
    }

    public static MimicSplit open(Path dataDir, String split) {
        SplitTensors s = SplitTensors.open(dataDir, split);
        try {
            return new MimicSplit(s);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    public long rows() {
        return split.rows();
    }

    /** [3, H, W] of one CXR. */
    public long[] cxrShape() {
        long[] s = cxr.shape();
        return new long[] {s[1], s[2], s[3]};
    }

    /** [1, T, 12] of one ECG. */
    public long[] ecgShape() {
        long[] s = ecg.shape();
        return new long[] {s[1], s[2], s[3]};
    }

    public TensorSource hadmIds() {
        return hadm;
    }

    public TensorSource labelHadmIds() {
        return split.tensor(MimicLayout.LABEL_HADM_ID);
    }

    public TensorSource labels() {
        return split.tensor(MimicLayout.LABEL);
    }

    /** Batch inputs: cxr, ecg, labs_percentiles (float), labs_missingness (float, 1 = observed), hadm_id (int64). */
    public List<TensorBatchIterator.Input> inputs(DataType floatType) {
        return new ArrayList<>(List.of(new TensorBatchIterator.Input(MimicLayout.CXR, cxr, floatType),
                new TensorBatchIterator.Input(MimicLayout.ECG, ecg, floatType),
                new TensorBatchIterator.Input(MimicLayout.LABS_PERCENTILES, labs, floatType),
                new TensorBatchIterator.Input(MimicLayout.LABS_MISSINGNESS, observed, floatType),
                new TensorBatchIterator.Input(MimicLayout.HADM_ID, hadm, DataType.LONG)));
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
