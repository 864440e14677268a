package org.symile.samediff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Symile with O(N) negatives (upstream §1.3) for M modalities.
 *
 * <p>Per anchor x with non-anchors n_1..n_{M-1} and row permutations p_1..p_{M-1}, with s the logit scale and
 * pos_i = MIP(x_i, n_1,i, …) the positive:
 * <pre>
 *   Q    = n_1[p_1] ⊙ … ⊙ n_{M-1}[p_{M-1}]                          [B,d]
 *   R    = s · x Qᵀ                                                 [B,B]  negatives (diagonal unused)
 *   c_i  = max(max_{j≠i} R_ij, s·pos_i)                             [B]    shift, no gradient
 *   ce_i = log( Σ_{j≠i} exp(R_ij − c_i) + exp(s·pos_i − c_i) ) + c_i − s·pos_i
 *   loss = mean over anchors and rows of ce_i
 * </pre>
 * which is upstream's cross-entropy of the logits with the positive MIP on the diagonal. The diagonal of R is
 * dropped by adding −{@link #MASK}·I inside the exponent, so exp() there is exactly 0. The softmax is taken on a
 * {@link Detached} copy R̂ of R (and of s·pos), so that autodiff has nothing to do for it, and enters the loss
 * through a term whose value is exactly 0 and whose gradient is the softmax:
 * <pre>
 *   E_ij = exp(R̂_ij − c_i) (0 on the diagonal),  e_i = exp(s·pos_i − c_i),  Z_i = Σ_j E_ij + e_i     (no gradient)
 *   ce_i = log Z_i + c_i − s·pos_i + Σ_j (E_ij/Z_i)(R_ij − R̂_ij) + (e_i/Z_i)(s·pos_i − s·poŝ_i)
 * </pre>
 * M2.1's {@code exp} backward recomputes the exponential of its input, and its broadcast backward ops run element
 * by element; here the backward pass is one [B, B] product and the GEMMs. The scale goes on x when d &lt;
 * {@link #NARROW_WIDTH}, else on R as a [B, B] outer product of ones vectors (taken off the identity), whose
 * backward is a GEMM rather than a broadcast. At narrow widths, where a GEMM costs less than a [B, B] pass, R̂ is
 * formed from detached factors and the negatives' term is written with xs = s·x as
 * Σ_j (E_ij/Z_i)(R_ij − R̂_ij) = xs_i·(W q)_i − [the same, detached], W = E/Z (no gradient): its backward is the GEMM
 * Wᵀ·xs and no [B, B] pass.
 *
 * <p>With a subset of anchors the mean runs over those alone; every anchor's permutations are still drawn (the
 * random stream does not depend on the choice), only the chosen ones' are used. Label
 * smoothing ε over the row's B classes (the positive and the B − 1 negatives) replaces −s·pos_i by
 * −(1 − ε)·s·pos_i − ε·mean_j Z_ij, the row mean of the logits with the positive on the diagonal, taken from [B, d]
 * products: (s·x_i·Σ_j Q_j − s·x_i·Q_i + s·pos_i) / B.
 *
 * <p>Row gathers are written as scatter-adds into zeros with the inverse permutation (exact gradients; see
 * {@link GraphMath#scatterRows}). The inverse permutations are placeholders filled by {@link #feed}, or, when the
 * graph's only extra input is one [B, M(M-1)] array of raw permutations (a DL4J layer's labels), derived in the
 * graph with {@code invertPermutation}. The identity matrix is an input too (cached per batch size): on M2.1
 * {@code matrix_set_diag} crashed the JVM (SIGSEGV) inside a DL4J layer, and building the identity in the graph
 * ({@code eye}, {@code diag}, {@code eq(range, range)}) leaks native memory on every execution.
 */
final class SymileNGraph implements LossGraph {
    /** Widths below this are scaled before the product (typical batches are larger than such widths). */
    static final long NARROW_WIDTH = 128;
    /** Magnitude of the additive mask on the diagonal; finite so that no inf − inf can arise. */
    static final double MASK = 1e30;
    private final int m;
    private final int[] anchors;
    private final String[][] invNames;
    private final List<String> placeholders;
    private final boolean external;
    private final String eyeName;
    private final DataType dtype;
    private INDArray eye;
    private final SDVariable loss;

    /**
     * @param permutationInput null to take the inverse permutations and the identity as placeholders fed by
     *                         {@link #feed}; otherwise a [B, M(M-1)] input whose column a·(M-1)+k holds
     *                         permutation p_k of anchor a
     * @param identityInput    with {@code permutationInput}: a [B, B] identity matrix input
     * @param widthHint        d where the representations' static shape does not tell it, else -1
     * @param eps              label smoothing in [0, 1)
     * @param anchors          the anchors whose cross-entropies are averaged, checked against M
     */
    SymileNGraph(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale, SDVariable permutationInput,
                 SDVariable identityInput, long widthHint, double eps, int[] anchors) {
        this.m = reps.size();
        this.anchors = anchors.clone();
        this.invNames = new String[m][m - 1];
        this.external = permutationInput != null;
        this.dtype = reps.get(0).dataType();
        List<String> ph = new ArrayList<>();
        SDVariable pos = GraphMath.mip(reps);
        SDVariable eye;
        if (external) {
            eyeName = null;
            eye = identityInput.castTo(dtype);
        } else {
            eyeName = name + "_eye";
            eye = sd.placeHolder(eyeName, dtype, -1, -1);
            ph.add(eyeName);
        }
        SDVariable sc = scale.scale();
        long width = GraphMath.width(reps, widthHint, "Symile loss");
        boolean narrow = width > 0 && width < NARROW_WIDTH;
        // the scale scalar broadcasts only onto [B, d] or [B, 1] operands; on [B, B] logits it is an outer product
        // of ones vectors (taken off the identity; unused variables would confuse DL4J's guess of the loss)
        SDVariable scaleFull = narrow ? null : sd.mmul(eye.sum(true, 1).mul(sc), eye.sum(true, 0));
        SDVariable sPos = pos.mul(sc);
        // -BIG on the diagonal: exp() of a masked logit is exactly 0, so the raw x·q_i product there drops out
        SDVariable offBias = eye.mul(-MASK);
        SDVariable sPosConst = Detached.of(sd, sPos);
        SDVariable total = null;
        for (int a : this.anchors) {
            List<SDVariable> non = new ArrayList<>(reps);
            SDVariable x = non.remove(a);
            SDVariable q = null;
            for (int k = 0; k < m - 1; k++) {
                SDVariable inv;
                if (external) {
                    SDVariable p = permutationInput.get(SDIndex.all(), SDIndex.point(a * (m - 1) + k))
                            .castTo(DataType.INT32);
                    inv = sd.invertPermutation(p);
                } else {
                    invNames[a][k] = name + "_inv" + a + "_" + k;
                    inv = sd.placeHolder(invNames[a][k], DataType.INT32, -1);
                    ph.add(invNames[a][k]);
                }
                SDVariable shuffled = GraphMath.scatterRows(sd, non.get(k), inv);
                q = q == null ? shuffled : q.mul(shuffled);
            }
            // s·x: the narrow form's left factor, and the smoothing's row means (one op for both)
            SDVariable xs = narrow || eps > 0 ? x.mul(sc) : null;
            // narrow: the logits are formed from detached factors and never differentiated; the linear term is
            // then a GEMM of the weights with q (see the class comment)
            SDVariable raw = narrow ? null : sd.mmul(x, q, false, true, false).mul(scaleFull);
            // everything the softmax needs is computed on a detached copy: the shift (its gradient is zero in exact
            // arithmetic), the exponentials and their sums. The differentiable part is linear, with the softmax
            // weights as its constant coefficients (see the class comment); the mask joins the shift
            SDVariable fixed = narrow ? sd.mmul(Detached.of(sd, xs), Detached.of(sd, q), false, true, false)
                    : Detached.of(sd, raw);
            SDVariable masked = fixed.add(offBias);
            SDVariable shift = sd.math.max(masked.max(true, 1), sPosConst);
            SDVariable e = sd.math.exp(masked.sub(shift));
            SDVariable ePos = sd.math.exp(sPosConst.sub(shift));
            SDVariable rowSum = e.sum(true, 1).add(ePos);
            SDVariable lse = sd.math.log(rowSum).add(shift);
            SDVariable weights = e.div(rowSum);
            SDVariable negatives;
            if (narrow) {
                SDVariable rowSums = sd.mmul(weights, q).mul(xs).sum(true, 1);
                negatives = rowSums.sub(Detached.of(sd, rowSums));
            } else {
                negatives = weights.mul(raw.sub(fixed)).sum(true, 1);
            }
            SDVariable linear = negatives.add(ePos.div(rowSum).mul(sPos.sub(sPosConst)));
            SDVariable ce = eps == 0 ? lse.add(linear).sub(sPos).mean()
                    : lse.add(linear).sub(sPos.mul(1 - eps)).sub(rowMean(sd, xs, q, sPos).mul(eps)).mean();
            total = total == null ? ce : total.add(ce);
        }
        this.loss = total.div(name, this.anchors.length);
        this.placeholders = Collections.unmodifiableList(ph);
    }

    /**
     * Row means of the logits with the positive on the diagonal, [B, 1]: (s·x_i·Σ_j Q_j − s·x_i·Q_i + s·pos_i) / B,
     * from [B, d] products (no [B, B] pass, forward or backward).
     */
    private static SDVariable rowMean(SameDiff sd, SDVariable xs, SDVariable q, SDVariable sPos) {
        SDVariable total = sd.mmul(xs, q.sum(true, 0), false, true, false);
        SDVariable own = xs.mul(q).sum(true, 1);
        SDVariable rows = sd.sizeAt(xs, 0).castTo(xs.dataType());
        return total.sub(own).add(sPos).div(rows);
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
        if (external) {
            return;
        }
        if (eye == null || eye.rows() != batchSize) {
            // cached across batches, so never in a caller's workspace (closed and reopened every step)
            try (MemoryWorkspace outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                eye = Nd4j.eye(batchSize).castTo(dtype);
            }
        }
        feed.put(eyeName, eye);
        boolean[] isAnchor = new boolean[m];
        for (int a : anchors) {
            isAnchor[a] = true;
        }
        for (int a = 0; a < m; a++) {
            for (int k = 0; k < m - 1; k++) {
                int[] p = permutations.next(a, k, batchSize);
                if (!isAnchor[a]) {
                    continue; // drawn all the same, as the closed form does
                }
                Permutations.check(p, batchSize, "permutation for anchor " + a + ", non-anchor " + k);
                // scatter index: out[inv[r]] = n[r], i.e. out[j] = n[p[j]]
                feed.put(invNames[a][k], Nd4j.createFromArray(Permutations.inverse(p)));
            }
        }
    }
}
