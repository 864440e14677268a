package org.symile.samediff.nn;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The inverted-dropout masks of one {@link EagerTextEncoder} pass (0 with probability p, else 1/(1 − p)), drawn
 * per batch row: row i's part of every mask comes from a stream seeded by the pass's seed, the mask's kind and
 * the row's index in the whole step's batch ({@code firstRow + i}), so a micro-batch of rows [from, to) gets exactly
 * the rows [from, to) of the whole batch's masks, and a mask is regenerated for the backward pass instead of kept.
 */
final class DropoutMasks {
    /** Where Hugging Face's BERT/XLM-R layer applies dropout. */
    enum Kind {
        /** After the embeddings' LayerNorm, [B·L, H]. */
        EMBEDDINGS,
        /** The attention probabilities, [B, heads, L, L]. */
        PROBS,
        /** The attention output's dense projection, before its residual sum, [B·L, H]. */
        ATTENTION_OUTPUT,
        /** The feed-forward output's dense projection, before its residual sum, [B·L, H]. */
        FFN_OUTPUT
    }

    private final EagerTextEncoder.Dropout dropout;
    private final long b;
    private final long l;
    private final long h;
    private final int heads;

    DropoutMasks(EagerTextEncoder.Dropout dropout, long b, long l, long h, int heads) {
        this.dropout = dropout;
        this.b = b;
        this.l = l;
        this.h = h;
        this.heads = heads;
    }

    /** The mask of {@code kind}: [B·L, H], or [B, heads, L, L] for {@link Kind#PROBS}. */
    INDArray mask(Kind kind, DataType type) {
        long perRow = kind == Kind.PROBS ? heads * l * l : l * h;
        long[] shape = kind == Kind.PROBS ? new long[] {b, heads, l, l} : new long[] {b * l, h};
        double p = dropout.p();
        float kept = (float) (1 / (1 - p));
        float[] v = new float[Math.toIntExact(b * perRow)];
        for (long i = 0; i < b; i++) {
            SplittableRandom r = new SplittableRandom(mix(mix(dropout.seed() ^ (0x9E3779B97F4A7C15L
                    * (kind.ordinal() + 1))) ^ (dropout.firstRow() + i)));
            int from = (int) (i * perRow);
            for (int j = 0; j < perRow; j++) {
                v[from + j] = r.nextDouble() < p ? 0f : kept;
            }
        }
        INDArray m = Nd4j.createFromArray(v).reshape(shape);
        return type == DataType.FLOAT ? m : m.castTo(type);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
