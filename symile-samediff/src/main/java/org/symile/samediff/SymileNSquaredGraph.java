package org.symile.samediff;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Symile with all B^(M-1) negative tuples (upstream §1.4, §1.5), held in the graph.
 *
 * <p>Per anchor x with non-anchors n_1..n_{M-1}, the candidate products are built by broadcast outer products,
 * C = n_1 ⊗ n_2 ⊗ … (row (j_1, …, j_{M-1}) = n_1[j_1] ⊙ … ⊙ n_{M-1}[j_{M-1}]), which is exact in SameDiff where
 * upstream's rolls are not (no roll/gather ops are involved). Row i's positive is the tuple (i, …, i), one of
 * the candidates, so
 * <pre>
 *   ce = mean_i [ logΣ_c exp(s·(x Cᵀ)[i,c]) ] − s·mean_i MIP(r_1[i], …, r_M[i])
 * </pre>
 * With a subset of anchors the log-sum-exps are averaged over those alone. Label smoothing ε over the B^(M-1)
 * classes of a row takes ε of the positive's weight onto the row's mean logit, and the mean over every candidate
 * tuple of n_1[j_1] ⊙ … ⊙ n_{M-1}[j_{M-1}] is the product of the non-anchors' column means, so the term is one
 * and the same for every anchor and row:
 * <pre>
 *   loss = mean_anchors mean_i lse_i − (1 − ε)·s·mean_i MIP(r_1[i], …, r_M[i]) − ε·s·MIP(mean r_1, …, mean r_M)
 * </pre>
 * Memory: the [B^(M-1), d] product and the [B, B^(M-1)] logits per anchor; use {@link SymileNSquaredLean} when
 * that does not fit.
 */
final class SymileNSquaredGraph implements LossGraph {
    private final int m;
    private final DataType dtype;
    private final long width;
    private final SDVariable loss;

    /**
     * @param eps     label smoothing in [0, 1)
     * @param anchors the anchors whose cross-entropies are averaged, checked against M
     */
    SymileNSquaredGraph(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale, double eps,
                        int[] anchors) {
        this.m = reps.size();
        this.dtype = reps.get(0).dataType();
        long[] shape = reps.get(0).getShape();
        this.width = shape != null && shape.length == 2 ? shape[1] : -1;
        SDVariable s = scale.scale();
        SDVariable rowsShape = rowsShape(sd, reps.get(0));
        SDVariable total = null;
        for (int a : anchors) {
            List<SDVariable> non = new ArrayList<>(reps);
            SDVariable x = non.remove(a);
            SDVariable cand = non.get(0);
            for (int k = 1; k < non.size(); k++) {
                SDVariable outer = sd.expandDims(cand, 1).mul(sd.expandDims(non.get(k), 0));
                cand = sd.reshape(outer, rowsShape);
            }
            SDVariable logits = sd.mmul(x, cand, false, true, false).mul(s);
            SDVariable lse = GraphMath.rowLogSumExp(sd, logits).mean();
            total = total == null ? lse : total.add(lse);
        }
        SDVariable pos = GraphMath.mip(reps).mean().mul(s);
        SDVariable lse = total.div(anchors.length);
        if (eps == 0) {
            this.loss = lse.sub(name, pos);
        } else {
            List<SDVariable> means = new ArrayList<>();
            for (SDVariable r : reps) {
                means.add(r.mean(true, 0));
            }
            SDVariable meanLogit = GraphMath.mip(means).sum().mul(s);
            this.loss = lse.sub(pos.mul(1 - eps)).sub(name, meanLogit.mul(eps));
        }
    }

    /** [-1, d] as a graph value, so the reshape works whether d is known statically or only at run time. */
    private static SDVariable rowsShape(SameDiff sd, SDVariable rep) {
        long[] shape = rep.getShape();
        if (shape != null && shape.length == 2 && shape[1] > 0) {
            return sd.constant(Nd4j.createFromArray(-1L, shape[1]));
        }
        SDVariable width = sd.reshape(sd.sizeAt(rep, 1).castTo(DataType.INT64), 1);
        return sd.concat(0, sd.constant(Nd4j.createFromArray(-1L)), width);
    }

    @Override
    public SDVariable loss() {
        return loss;
    }

    @Override
    public List<String> placeholders() {
        return List.of();
    }

    @Override
    public void feed(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        checkFits(batchSize, m, width, dtype);
    }

    /**
     * Rejects a batch whose dense O(N²) tensors cannot fit in this machine's memory, before ND4J tries and fails
     * deep inside an allocation.
     */
    static void checkFits(int batchSize, int m, long width, DataType dtype) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("Symile loss: batch size must be >= 2 for negatives, got " + batchSize);
        }
        double candidates = Math.pow(batchSize, m - 1);
        // candidates and their gradient (2 x B^(M-1) x d), logits, softmax and gradient (3 x B x B^(M-1))
        double bytes = (2.0 * candidates * Math.max(width, 0) + 3.0 * batchSize * candidates) * dtype.width();
        long physical = PhysicalMemory.BYTES;
        if (candidates > Integer.MAX_VALUE || bytes > physical) {
            throw new IllegalArgumentException(String.format(
                    "negative_sampling n_squared: B^(M-1) = %d^%d = %.3g candidate tuples per anchor need about %.1f GiB"
                            + " for the dense [B^(M-1), d] products and [B, B^(M-1)] logits, more than this machine's %.1f GiB; use a smaller"
                            + " batch or the memory-lean mode",
                    batchSize, m - 1, candidates, bytes / (1L << 30), physical / (double) (1L << 30)));
        }
    }

    /** This machine's memory, probed once (the check runs on every feed). */
    private static final class PhysicalMemory {
        static final long BYTES = probe();

        private static long probe() {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
                return sun.getTotalMemorySize();
            }
            return Runtime.getRuntime().maxMemory();
        }
    }
}

