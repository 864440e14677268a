package org.symile.samediff;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Source of the row permutations of O(N) negative sampling (upstream §1.3): for each anchor modality and each of
 * its non-anchor modalities (in their original order, anchor removed) one permutation of {0..B-1} per step.
 *
 * <p>Permutation {@code p} is applied as a row gather, {@code y[p]}: row j of the permuted tensor is row
 * {@code p[j]} of the original, exactly as {@code y[torch.randperm(B)]} upstream.
 *
 * <p>The same stream also gives a step's other random choices a seed ({@link #nextSeed()}, e.g. dropout masks), so
 * that they are reproduced wherever the step's negatives are (a resumed run, a Spark worker, a micro-batched step).
 */
@FunctionalInterface
public interface Permutations {

    /**
     * Returns the permutation for non-anchor {@code k} (0-based among the M-1 non-anchors) of anchor
     * {@code anchor}. Called in anchor-major order: anchor 0 (k = 0..M-2), anchor 1, ...
     */
    int[] next(int anchor, int k, int batchSize);

    /** A seed for a step's other random choices, drawn from the same stream in call order; 0 for fixed sources. */
    default long nextSeed() {
        return 0;
    }

    /** Fresh uniform permutations (Fisher-Yates) and seeds drawn from {@code rng}, in call order. */
    static Permutations random(RandomGenerator rng) {
        Objects.requireNonNull(rng, "rng");
        return new Permutations() {
            @Override
            public int[] next(int anchor, int k, int batchSize) {
                int[] p = new int[batchSize];
                for (int i = 0; i < batchSize; i++) {
                    p[i] = i;
                }
                for (int i = batchSize - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = p[i];
                    p[i] = p[j];
                    p[j] = t;
                }
                return p;
            }

            @Override
            public long nextSeed() {
                return rng.nextLong();
            }
        };
    }

    /**
     * Fixed permutations, {@code perms[anchor][k]}, as stored in the reference vectors; the same ones are returned
     * at every step.
     */
    static Permutations fixed(int[][][] perms) {
        Objects.requireNonNull(perms, "perms");
        return (anchor, k, batchSize) -> {
            if (anchor >= perms.length || k >= perms[anchor].length) {
                throw new IllegalArgumentException("permutations: no permutation given for anchor " + anchor
                        + ", non-anchor " + k);
            }
            return perms[anchor][k].clone();
        };
    }

    /** The inverse of a permutation: inv[p[j]] = j, so gathering rows by {@code inv} undoes gathering by {@code p}. */
    static int[] inverse(int[] p) {
        int[] inv = new int[p.length];
        for (int j = 0; j < p.length; j++) {
            inv[p[j]] = j;
        }
        return inv;
    }

    /** Throws unless {@code p} is a permutation of {0..n-1}; {@code what} names it in the message. */
    static void check(int[] p, int n, String what) {
        if (p == null || p.length != n) {
            throw new IllegalArgumentException(what + ": expected a permutation of length " + n + ", got "
                    + (p == null ? "null" : "length " + p.length));
        }
        boolean[] seen = new boolean[n];
        for (int v : p) {
            if (v < 0 || v >= n || seen[v]) {
                throw new IllegalArgumentException(what + ": not a permutation of 0.." + (n - 1)
                        + " (value " + v + " out of range or repeated)");
            }
            seen[v] = true;
        }
    }
}
