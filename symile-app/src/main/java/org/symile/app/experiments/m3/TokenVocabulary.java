package org.symile.app.experiments.m3;

import java.util.Arrays;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The token ids that occur in a dataset, renumbered 0..n-1 (sorted by raw id), plus one extra id for the
 * {@code [MISSING]} token of missing texts. The text encoder's embedding table holds only these rows, which
 * gives the same outputs and gradients as the full table (rows of tokens that never occur are never used) and
 * keeps the one-hot lookup small.
 */
public final class TokenVocabulary {
    private final long[] rawIds;

    public TokenVocabulary(long[] rawIds) {
        this.rawIds = rawIds.clone();
        Arrays.sort(this.rawIds);
    }

    /** Collects the distinct ids of every given [n, L] id tensor. */
    public static TokenVocabulary of(INDArray... idTensors) {
        TreeSet<Long> ids = new TreeSet<>();
        for (INDArray t : idTensors) {
            for (long v : t.castTo(DataType.LONG).reshape(t.length()).toLongVector()) {
                ids.add(v);
            }
        }
        return new TokenVocabulary(ids.stream().mapToLong(Long::longValue).toArray());
    }

    /** Compact size including the [MISSING] slot. */
    public int size() {
        return rawIds.length + 1;
    }

    /** Compact id of the [MISSING] token. */
    public int missingId() {
        return rawIds.length;
    }

    /** The raw ids, in compact order. */
    public long[] rawIds() {
        return rawIds.clone();
    }

    /** Compact id of a raw id; unknown ids map to [MISSING]. */
    public int compact(long raw) {
        int i = Arrays.binarySearch(rawIds, raw);
        return i >= 0 ? i : missingId();
    }
}
