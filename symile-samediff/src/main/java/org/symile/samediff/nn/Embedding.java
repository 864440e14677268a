package org.symile.samediff.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Embedding lookup, table [V, H], ids [...] -> [..., H], as {@code oneHot(ids, V) · table}: exact gradients
 * (SameDiff M2.1's {@code gather} backward is wrong). Its cost grows with V, which is fine for small tables;
 * larger ones are looked up outside the graph with {@link #lookup} and trained with {@link #tableGradient}.
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

    /**
     * The rows of {@code table} [V, H] for integer ids [B, L]: [B, L, H], computed eagerly (the graph-free
     * counterpart of {@link #apply}).
     *
     * @throws IllegalArgumentException for an id outside [0, V)
     */
    public static INDArray lookup(INDArray table, INDArray ids) {
        int[] flat = checkedIds(ids, table.size(0));
        INDArray rows = Nd4j.pullRows(table, 1, flat);
        return rows.reshape(ids.size(0), ids.size(1), table.size(1));
    }

    /** The rows of {@code table} for ids [B, L], written into {@code dest} [B·L, H]. */
    static INDArray rowsInto(INDArray table, INDArray ids, INDArray dest) {
        return Nd4j.pullRows(table, dest, 1, checkedIds(ids, table.size(0)));
    }

    /**
     * The gradient of a loss with respect to {@code table} [V, H], given its gradient with respect to the looked-up
     * rows [B, L, H] of ids [B, L]: each row's gradient added to its id's row (∂L/∂T_v = Σ_{n: id_n = v} ∂L/∂R_n),
     * in the rows' order, so the sum is deterministic. The result has the rows' data type.
     */
    public static INDArray tableGradient(INDArray ids, INDArray rowGradients, long vocab) {
        int[] flat = checkedIds(ids, vocab);
        int h = Math.toIntExact(rowGradients.size(2));
        INDArray g = rowGradients.reshape('c', flat.length, h);
        if (rowGradients.dataType() == DataType.DOUBLE) {
            double[] src = whole(g).data().asDouble();
            double[] dst = new double[Math.toIntExact(vocab * h)];
            for (int n = 0; n < flat.length; n++) {
                int o = flat[n] * h;
                int r = n * h;
                for (int k = 0; k < h; k++) {
                    dst[o + k] += src[r + k];
                }
            }
            return Nd4j.create(dst, new long[] {vocab, h}, DataType.DOUBLE);
        }
        float[] src = whole(g.castTo(DataType.FLOAT)).data().asFloat();
        float[] dst = new float[Math.toIntExact(vocab * h)];
        for (int n = 0; n < flat.length; n++) {
            int o = flat[n] * h;
            int r = n * h;
            for (int k = 0; k < h; k++) {
                dst[o + k] += src[r + k];
            }
        }
        return Nd4j.create(dst, new long[] {vocab, h}, DataType.FLOAT).castTo(rowGradients.dataType());
    }

    /** {@code a} if its buffer holds exactly its elements in C order, else a C-order copy (one copy, not two). */
    private static INDArray whole(INDArray a) {
        boolean exact = a.ordering() == 'c' && a.elementWiseStride() == 1 && a.offset() == 0
                && a.data().length() == a.length();
        return exact ? a : a.dup('c');
    }

    private static int[] checkedIds(INDArray ids, long vocab) {
        if (ids.rank() != 2) {
            throw new IllegalArgumentException("token ids must be [B, L], got " + java.util.Arrays.toString(ids.shape()));
        }
        int[] flat = ids.castTo(DataType.INT32).dup('c').data().asInt();
        for (int id : flat) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " outside the embedding table [0, " + vocab + ")");
            }
        }
        return flat;
    }
}
