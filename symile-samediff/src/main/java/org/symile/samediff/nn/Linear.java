package org.symile.samediff.nn;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Fully connected layer y = x W + b, [N, in] -> [N, out], initialised like PyTorch's {@code nn.Linear}: weight and
 * bias uniform on (−1/√in, 1/√in) (kaiming-uniform with a = √5). DL4J's default (Xavier) differs, and for the
 * small XOR encoders that changes results. The initial values are drawn from a Java {@link RandomGenerator}, so
 * they are the same on every backend. W is stored [in, out] (the transpose of PyTorch's [out, in]).
 *
 * <p>Written as {@code mmul} + broadcast {@code add}: SameDiff M2.1's {@code nn.linear} ({@code xw_plus_b})
 * returned a different (wrong) value from the second execution of a graph on, when a Symile loss followed it.
 */
public final class Linear {
    private final SDVariable weight;
    private final SDVariable bias;

    private Linear(SDVariable weight, SDVariable bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /**
     * Adds the parameters {@code name + "_W"} [in, out] and {@code name + "_b"} [out] to {@code sd}.
     *
     * @param bias whether the layer has a bias
     */
    public static Linear create(SameDiff sd, String name, long in, long out, boolean bias, RandomGenerator rng,
                                DataType dtype) {
        Objects.requireNonNull(rng, "rng");
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException(name + ": expected positive sizes, got in=" + in + ", out=" + out);
        }
        double bound = 1.0 / Math.sqrt(in);
        SDVariable w = sd.var(name + "_W", uniform(rng, bound, dtype, in, out));
        SDVariable b = bias ? sd.var(name + "_b", uniform(rng, bound, dtype, out)) : null;
        return new Linear(w, b);
    }

    /** Wraps existing parameters (W [in, out], b [out] or null). */
    public static Linear of(SDVariable weight, SDVariable bias) {
        return new Linear(Objects.requireNonNull(weight, "weight"), bias);
    }

    /** x W + b. */
    public SDVariable apply(SameDiff sd, SDVariable x) {
        SDVariable xw = sd.mmul(x, weight);
        return bias == null ? xw : xw.add(bias);
    }

    /** The layer applied to the last dimension of a rank-3 input [B, L, in] -> [B, L, out]. */
    public SDVariable applyRank3(SameDiff sd, SDVariable x) {
        SDVariable flat = sd.reshape(x, -1, weight.getShape()[0]);
        SDVariable y = apply(sd, flat);
        SDVariable shape = sd.concat(0, sd.slice(sd.shape(x).castTo(DataType.LONG), new int[] {0}, 2),
                sd.constant(Nd4j.createFromArray(weight.getShape()[1])));
        return sd.reshape(y, shape);
    }

    public SDVariable weight() {
        return weight;
    }

    /** The bias, or null. */
    public SDVariable bias() {
        return bias;
    }

    /** Draws per chunk of {@link #uniform}: bounds its Java and native temporaries to 8 MiB each. */
    private static final int CHUNK = 1 << 20;

    /**
     * Array of the given shape with entries uniform on (−bound, bound), in row-major order of draws (each drawn in
     * double and rounded once to {@code dtype}). Drawn chunk by chunk into the result, so a layer of tens of
     * millions of weights (Symile-MIMIC's d 8192 heads) leaves no full-size double copy behind.
     */
    public static INDArray uniform(RandomGenerator rng, double bound, DataType dtype, long... shape) {
        INDArray out = Nd4j.createUninitialized(dtype, shape, 'c');
        INDArray flat = out.reshape(out.length());
        for (long from = 0; from < flat.length(); from += CHUNK) {
            double[] v = new double[(int) Math.min(CHUNK, flat.length() - from)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (2 * rng.nextDouble() - 1) * bound;
            }
            INDArray chunk = Nd4j.createFromArray(v);
            flat.get(NDArrayIndex.interval(from, from + v.length)).assign(chunk);
            chunk.close();
        }
        return out;
    }
}
