package org.symile.samediff;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Graph pieces shared by the losses. Only ops whose SameDiff M2.1 gradients are exact are used here (see
 * {@code dl4j-m2.1-notes.md}): no {@code gather}, {@code where}, {@code softmaxCrossEntropy} or
 * {@code logSumExp}; every loss built from these pieces is gradient-checked in DOUBLE.
 */
final class GraphMath {
    private GraphMath() {
    }

    /** MIP of all representations per row: Σ_k Π_m r_m[i,k]; [B,d]^M -> [B,1]. */
    static SDVariable mip(List<SDVariable> reps) {
        SDVariable prod = reps.get(0);
        for (int m = 1; m < reps.size(); m++) {
            prod = prod.mul(reps.get(m));
        }
        return prod.sum(true, 1);
    }

    /**
     * Row-wise log-sum-exp with the row maximum subtracted first: [B,N] -> [B,1]. The maximum is taken on a
     * {@link Detached} copy: the value does not depend on it, and its backward pass would cost a [B, N] pass.
     */
    static SDVariable rowLogSumExp(SameDiff sd, SDVariable z) {
        SDVariable max = Detached.of(sd, z).max(true, 1);
        return sd.math.log(sd.math.exp(z.sub(max)).sum(true, 1)).add(max);
    }

    /**
     * Row gather {@code y[idx^-1]} for a permutation, written as a scatter-add into zeros: out[idx[r]] = y[r].
     * Its backward is a plain forward gather of the incoming gradient, which is exact (unlike {@code sd.gather}'s
     * backward) and does not leak (unlike {@code unsortedSegmentSum}'s).
     */
    static SDVariable scatterRows(SameDiff sd, SDVariable y, SDVariable idx) {
        return sd.scatterAdd(sd.zerosLike(y), idx, y);
    }

    /**
     * The representations' width d: from their static shape where SameDiff knows it (variables, placeholders),
     * else {@code hint} (op outputs such as a linear layer's have no static shape in M2.1); -1 if neither.
     *
     * @throws IllegalArgumentException when the hint contradicts a known width
     */
    static long width(List<SDVariable> reps, long hint, String what) {
        long[] shape = reps.get(0).getShape();
        long known = shape == null || shape.length != 2 ? -1 : shape[1];
        if (known > 0 && hint > 0 && known != hint) {
            throw new IllegalArgumentException(what + ": representations are " + known + " wide, but the width was"
                    + " given as " + hint);
        }
        return known > 0 ? known : hint;
    }

    /** Checks M and the statically known shapes of the representations. */
    static void checkReps(List<SDVariable> reps, String what) {
        if (reps == null || reps.size() < 2) {
            throw new IllegalArgumentException(what + ": expected M >= 2 representation variables, got "
                    + (reps == null ? 0 : reps.size()));
        }
        long[] first = null;
        int firstIdx = -1;
        for (int m = 0; m < reps.size(); m++) {
            SDVariable r = reps.get(m);
            if (r == null) {
                throw new IllegalArgumentException(what + ": representation " + m + " is null");
            }
            long[] shape = r.getShape();
            if (shape == null) {
                continue;
            }
            if (shape.length != 2) {
                throw new IllegalArgumentException(what + ": representation " + m + " ('" + r.name()
                        + "') must have shape [B, d], got " + java.util.Arrays.toString(shape));
            }
            if (first == null) {
                first = shape;
                firstIdx = m;
                continue;
            }
            for (int dim = 0; dim < 2; dim++) {
                if (first[dim] >= 0 && shape[dim] >= 0 && first[dim] != shape[dim]) {
                    throw new IllegalArgumentException(what + ": representations must all be [B, d] with the same "
                            + (dim == 0 ? "batch size B" : "width d") + "; representation " + firstIdx + " is "
                            + java.util.Arrays.toString(first) + " but representation " + m + " is "
                            + java.util.Arrays.toString(shape));
                }
            }
        }
    }
}
