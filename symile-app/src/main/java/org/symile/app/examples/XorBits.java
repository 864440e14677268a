package org.symile.app.examples;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The XOR data of the package's examples: v_1 … v_{M-1} ~ Bernoulli(0.5) independently and v_M their
 * XOR, each modality one float feature (0 or 1), [n, 1] per modality.
 */
final class XorBits {
    private XorBits() {
    }

    /** M columns of n rows; column M-1 is the XOR of the others. */
    static INDArray[] draw(int n, int modalities, SplittableRandom rng) {
        float[][] v = new float[modalities][n];
        for (int i = 0; i < n; i++) {
            int x = 0;
            for (int m = 0; m < modalities - 1; m++) {
                int bit = rng.nextInt(2);
                v[m][i] = bit;
                x ^= bit;
            }
            v[modalities - 1][i] = x;
        }
        INDArray[] out = new INDArray[modalities];
        for (int m = 0; m < modalities; m++) {
            out[m] = Nd4j.create(v[m], new long[] {n, 1}, DataType.FLOAT);
        }
        return out;
    }

    /** Rows {@code idx} of every column. */
    static INDArray[] rows(INDArray[] columns, int[] idx) {
        INDArray[] out = new INDArray[columns.length];
        for (int m = 0; m < columns.length; m++) {
            out[m] = Nd4j.pullRows(columns[m], 1, idx);
        }
        return out;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher–Yates, as the negatives are drawn). */
    static int[] permutation(int n, SplittableRandom rng) {
        return org.symile.samediff.Permutations.random(rng).next(0, 0, n);
    }
}
