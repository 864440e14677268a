package org.symile.samediff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Symile with O(N) negatives (upstream §1.3) for M modalities.
 *
 * <p>Upstream forms, per anchor x with non-anchors n_1..n_{M-1} and permutations p_1..p_{M-1}, the logits
 * L[i,j] = MIP(x_i, n_1[p_1(j)], …) and overwrites the diagonal with the positive. Re-indexing the columns by
 * a = p_1(j) gives the same multiset of logits per row with only M-2 row gathers instead of M-1:
 * Q[a] = n_1[a] ⊙ Π_{k≥2} n_k[τ_k(a)], τ_k = p_k∘p_1⁻¹, and row i's positive replaces column p_1(i). The mask
 * E[i, p_1(i)] = 1 and the scatter indices are computed in Java and fed as placeholders (or, for graphs whose
 * only extra input is one [B, M(M-1)] array of raw permutations, derived in the graph), so the graph holds one
 * matmul, M-2 scatters and a few element-wise ops per anchor:
 * <pre>
 *   L  = x Qᵀ                       [B,B]
 *   L' = L + E ⊙ (pos − L)          positive in place of the excluded column
 *   ce = −mean_i Σ_a E ⊙ logSoftmax(s·L')
 * </pre>
 */
final class SymileNGraph implements LossGraph {
    private final int m;
    private final DataType dtype;
    private final String[][] idxNames;
    private final String[] maskNames;
    private final List<String> placeholders;
    private final boolean derived;
    private final SDVariable loss;

    /**
     * @param permutationInput null to take the mask and scatter indices as placeholders fed by {@link #feed};
     *                         otherwise a [B, M(M-1)] input whose column a·(M-1)+k holds the raw permutation p_k of
     *                         anchor a, from which the graph derives them
     */
    SymileNGraph(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale, SDVariable permutationInput) {
        this.m = reps.size();
        this.dtype = reps.get(0).dataType();
        this.idxNames = new String[m][];
        this.maskNames = new String[m];
        this.derived = permutationInput != null;
        List<String> ph = new ArrayList<>();
        SDVariable pos = GraphMath.mip(reps);
        SDVariable total = null;
        for (int a = 0; a < m; a++) {
            List<SDVariable> non = new ArrayList<>(reps);
            SDVariable x = non.remove(a);
            SDVariable mask;
            SDVariable p1 = null;
            if (derived) {
                p1 = column(permutationInput, a * (m - 1));
                SDVariable range = sd.range(sd.constant(0), sd.sizeAt(p1, 0).castTo(DataType.INT32),
                        sd.constant(1), DataType.INT32);
                mask = sd.eq(sd.reshape(p1, -1, 1), sd.reshape(range, 1, -1)).castTo(dtype);
            } else {
                maskNames[a] = name + "_mask" + a;
                mask = sd.placeHolder(maskNames[a], dtype, -1, -1);
                ph.add(maskNames[a]);
            }
            idxNames[a] = new String[m - 1];
            SDVariable q = non.get(0);
            for (int k = 1; k < m - 1; k++) {
                SDVariable idx;
                if (derived) {
                    SDVariable inv = sd.invertPermutation(column(permutationInput, a * (m - 1) + k));
                    idx = sd.gather(p1, inv, 0);
                } else {
                    idxNames[a][k] = name + "_idx" + a + "_" + k;
                    idx = sd.placeHolder(idxNames[a][k], DataType.INT32, -1);
                    ph.add(idxNames[a][k]);
                }
                q = q.mul(GraphMath.scatterRows(sd, non.get(k), idx));
            }
            SDVariable logits = sd.mmul(x, q, false, true, false);
            SDVariable withPos = logits.add(mask.mul(pos.sub(logits)));
            SDVariable ce = sd.nn.logSoftmax(withPos.mul(scale.scale())).mul(mask).sum(1).mean();
            total = total == null ? ce : total.add(ce);
        }
        this.loss = total.div(name, -m);
        this.placeholders = Collections.unmodifiableList(ph);
    }

    private static SDVariable column(SDVariable perms, int col) {
        return perms.get(SDIndex.all(), SDIndex.point(col)).castTo(DataType.INT32);
    }

    @Override
    public SDVariable loss() {
        return loss;
    }

    @Override
    public List<String> placeholders() {
        return placeholders;
    }

    @Override
    public void feed(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("Symile loss: batch size must be >= 2 for negatives, got " + batchSize);
        }
        if (derived) {
            return;
        }
        int b = batchSize;
        for (int a = 0; a < m; a++) {
            int[][] p = new int[m - 1][];
            for (int k = 0; k < m - 1; k++) {
                p[k] = permutations.next(a, k, b);
                Permutations.check(p[k], b, "permutation for anchor " + a + ", non-anchor " + k);
            }
            double[] mask = new double[b * b];
            for (int i = 0; i < b; i++) {
                mask[i * b + p[0][i]] = 1.0;
            }
            feed.put(maskNames[a], Nd4j.create(mask, new long[] {b, b}, dtype));
            for (int k = 1; k < m - 1; k++) {
                // scatter index = p_1 ∘ p_k⁻¹, so that out[a] = n_k[p_k(p_1⁻¹(a))]
                int[] inv = new int[b];
                for (int r = 0; r < b; r++) {
                    inv[p[k][r]] = r;
                }
                int[] idx = new int[b];
                for (int r = 0; r < b; r++) {
                    idx[r] = p[0][inv[r]];
                }
                feed.put(idxNames[a][k], Nd4j.createFromArray(idx));
            }
        }
    }
}
