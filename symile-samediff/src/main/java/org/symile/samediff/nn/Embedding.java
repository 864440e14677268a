package org.symile.samediff.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Embedding lookup, table [V, H], ids [...] -> [..., H], as {@code oneHot(ids, V) · table}: exact gradients
 * (SameDiff M2.1's {@code gather} backward is wrong). Its cost grows with V, which is fine for the vocabularies
 * this project builds from scratch; larger tables are better looked up outside the graph.
 */
public final class Embedding {
    private final SDVariable table;
    private final int vocab;

    private Embedding(SDVariable table, int vocab) {
        this.table = table;
        this.vocab = vocab;
    }

    /** Table initialised N(0, std²) (PyTorch's nn.Embedding uses std 1; BERT 0.02). */
    public static Embedding create(SameDiff sd, String name, int vocab, long dim, double std,
                                   java.util.random.RandomGenerator rng, DataType dtype) {
        double[] v = new double[Math.toIntExact(vocab * dim)];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * rng.nextGaussian();
        }
        return new Embedding(sd.var(name, org.nd4j.linalg.factory.Nd4j.create(v, new long[] {vocab, dim},
                DataType.DOUBLE).castTo(dtype)), vocab);
    }

    /** Wraps an existing table variable [V, H]. */
    public static Embedding of(SDVariable table, int vocab) {
        return new Embedding(table, vocab);
    }

    /** Rows of the table for integer ids [B, L]: [B, L, H]. */
    public SDVariable apply(SameDiff sd, SDVariable ids) {
        SDVariable flat = sd.reshape(ids, -1);
        SDVariable rows = sd.mmul(sd.oneHot(flat, vocab, -1, 1.0, 0.0, table.dataType()), table);
        SDVariable outShape = sd.concat(0, sd.shape(ids).castTo(DataType.LONG),
                sd.reshape(sd.sizeAt(table, 1).castTo(DataType.LONG), 1));
        return sd.reshape(rows, outShape);
    }

    public SDVariable table() {
        return table;
    }

    public int vocab() {
        return vocab;
    }
}
