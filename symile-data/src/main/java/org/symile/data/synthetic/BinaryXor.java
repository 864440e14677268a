package org.symile.data.synthetic;

import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The binary XOR data (paper §5.1, spec §3.1): a, b ~ Bernoulli(0.5)^{d_v}; one selector i ~ Bernoulli(p̂) per
 * sample; c = a XOR b if i = 1, else c = a. Arrays are float32 [n, d_v] named "a", "b", "c".
 */
public final class BinaryXor {
    private BinaryXor() {
    }

    /** Draws {@code n} samples. */
    public static Map<String, INDArray> generate(int n, int dv, double pHat, RandomGenerator rng) {
        float[][] a = new float[n][dv];
        float[][] b = new float[n][dv];
        float[][] c = new float[n][dv];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < dv; j++) {
                a[r][j] = rng.nextBoolean() ? 1f : 0f;
                b[r][j] = rng.nextBoolean() ? 1f : 0f;
            }
            boolean xor = rng.nextDouble() < pHat;
            for (int j = 0; j < dv; j++) {
                c[r][j] = xor ? (a[r][j] != b[r][j] ? 1f : 0f) : a[r][j];
            }
        }
        return Map.of("a", Nd4j.createFromArray(a), "b", Nd4j.createFromArray(b), "c", Nd4j.createFromArray(c));
    }

    /**
     * A batch iterator over {@code n} freshly drawn samples (features a, b, c in that order).
     *
     * @param shuffle null keeps the drawn order
     */
    public static org.symile.data.TensorBatchIterator iterator(int n, int dv, double pHat, RandomGenerator data,
                                                               int batchSize, boolean dropLast,
                                                               RandomGenerator shuffle) {
        Map<String, INDArray> d = generate(n, dv, pHat, data);
        java.util.List<org.symile.data.TensorBatchIterator.Input> in = new java.util.ArrayList<>();
        for (String m : new String[] {"a", "b", "c"}) {
            in.add(new org.symile.data.TensorBatchIterator.Input(m, new org.symile.data.ArrayTensor("binary_xor " + m,
                    d.get(m)), null));
        }
        return new org.symile.data.TensorBatchIterator(in, batchSize, dropLast, shuffle);
    }

    /** All 2^{d_v} binary vectors in lexicographic order (first coordinate most significant), [2^d_v, d_v]. */
    public static INDArray candidates(int dv) {
        int n = 1 << dv;
        float[][] out = new float[n][dv];
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < dv; j++) {
                out[k][j] = (k >> (dv - 1 - j)) & 1;
            }
        }
        return Nd4j.createFromArray(out).castTo(DataType.FLOAT);
    }

    /** Candidate index of each row of a 0/1 matrix: Σ_j b_j·2^{d_v−1−j}. */
    public static long[] indices(INDArray bits) {
        long[] out = new long[(int) bits.rows()];
        int dv = (int) bits.columns();
        float[] v = bits.castTo(DataType.FLOAT).dup('c').data().asFloat();
        for (int r = 0; r < out.length; r++) {
            long k = 0;
            for (int j = 0; j < dv; j++) {
                k = (k << 1) | (v[r * dv + j] > 0.5f ? 1 : 0);
            }
            out[r] = k;
        }
        return out;
    }

    /** Bayes-optimal accuracy of predicting b from (a, c): 2^-d_v + p̂(1 − 2^-d_v) (spec §3.7). */
    public static double bayesOptimal(int dv, double pHat) {
        double chance = Math.pow(2, -dv);
        return chance + pHat * (1 - chance);
    }
}
