package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Symile with O(N) negatives and its exact gradients in closed form, computed eagerly: the same value and
 * gradients as {@link SymileNGraph} (see it for the loss) for the same permutations, in three GEMMs and one
 * softmax pass per anchor instead of a SameDiff forward and backward over several [B, B] arrays.
 *
 * <p>Per anchor x with Q = n_1[p_1] ⊙ … ⊙ n_{M-1}[p_{M-1}] ([B, d]) and Z = s·x Qᵀ whose diagonal is replaced by the
 * positives s·MIP_i ([B, B]), with c = 1/(B·M):
 * <pre>
 *   G     = c·(softmax_rows(Z) − I)                 loss += c·Σ_i (logΣ_j exp Z_ij − Z_ii)
 *   G_off = G with a zero diagonal,  w = diag(G)   (w is the positives' share)
 *   ∂x   += s·G_off Q,   ∂Q = s·G_offᵀ x,   ∂n_k[p_k[j]] += ∂Q_j ⊙ Π_{l≠k} n_l[p_l[j]]
 *   ∂log s += Σ G ⊙ Z
 * </pre>
 * and after all anchors, with W = Σ_anchors w: ∂r_m += s·W ⊙ Π_{l≠m} r_l (rows scaled). Row gathers by a
 * permutation are exact, so their adjoint is the gather by the inverse permutation. With a subset of anchors only
 * those are summed (c = 1/(B·|anchors|)), though every anchor's permutations are drawn, so that the stream of
 * random draws does not depend on the choice; label smoothing ε takes
 * G = c·(softmax_rows(Z) − (1 − ε)·I − ε/B) and adds c·ε·Σ_i (Z_ii − mean_j Z_ij) to the loss
 * ({@link SoftmaxRows#crossEntropy(INDArray, double[], double, double[], double, double[])}; the row means from
 * [B, d] products).
 */
final class SymileNClosedForm implements EagerLoss {
    /** [B, B]: z. [B, d]: dq, q, tmp, back, then M-1 shuffled non-anchors, then M gradients. */
    private ClosedFormScratch scratch;
    private int scratchM = -1;
    private final double eps;
    private final int[] anchors;

    /** Upstream's loss: every modality an anchor, no label smoothing. */
    SymileNClosedForm() {
        this(0, null);
    }

    /**
     * @param eps     label smoothing in [0, 1)
     * @param anchors the 0-based modalities whose losses are averaged; null for all of them
     */
    SymileNClosedForm(double eps, int[] anchors) {
        this.eps = SymileLoss.checkLabelSmoothing(eps);
        this.anchors = anchors == null ? null : anchors.clone();
    }

    /**
     * @param reps         M ≥ 2 arrays [B, d] of one floating-point type (FLOAT or DOUBLE)
     * @param logScale     log(s)
     * @param permutations drawn in {@link Permutations}' order: anchor-major, then non-anchor k
     * @return the loss and its gradients; the gradient arrays are reused, so valid until the next call
     */
    @Override
    public LossGradients compute(List<INDArray> reps, double logScale, Permutations permutations) {
        return run(reps, logScale, permutations, true);
    }

    /** The loss alone: the same permutations are drawn, the gradient products are skipped. */
    @Override
    public double value(List<INDArray> reps, double logScale, Permutations permutations) {
        return run(reps, logScale, permutations, false).loss();
    }

    private LossGradients run(List<INDArray> reps, double logScale, Permutations permutations, boolean gradients) {
        Shapes.checkEager(reps, "Symile loss");
        int m = reps.size();
        int b = (int) reps.get(0).rows();
        long d = reps.get(0).columns();
        if (b < 2) {
            throw new IllegalArgumentException("Symile loss: batch size must be >= 2 for negatives, got " + b);
        }
        DataType dt = reps.get(0).dataType();
        if (scratchM != m) {
            scratch = new ClosedFormScratch(1, 4 + (m - 1) + m);
            scratchM = m;
        }
        scratch.fit(dt, b, d);
        List<INDArray> r = new ArrayList<>(m);
        for (INDArray rep : reps) {
            r.add(Shapes.contiguous(rep));
        }
        INDArray z = scratch.square(0);
        INDArray dq = scratch.matrix(0);
        INDArray q = scratch.matrix(1);
        INDArray tmp = scratch.matrix(2);
        INDArray back = scratch.matrix(3);
        INDArray[] shuffled = new INDArray[m - 1];
        for (int k = 0; k < m - 1; k++) {
            shuffled[k] = scratch.matrix(4 + k);
        }
        List<INDArray> grads = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            grads.add(scratch.matrix(4 + (m - 1) + k).assign(0));
        }
        double s = Math.exp(logScale);
        int[] chosen = TupleObjectiveLoss.anchorsOf(anchors, m);
        double coef = 1.0 / ((double) b * chosen.length);
        tmp.assign(r.get(0));
        for (int k = 1; k < m; k++) {
            tmp.muli(r.get(k));
        }
        double[] sPos = tmp.sum(1).castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < b; i++) {
            sPos[i] *= s;
        }
        double[] wTotal = new double[b];
        double[] w = new double[b];
        double loss = 0;
        double gradLog = 0;
        boolean[] isAnchor = new boolean[m];
        for (int a : chosen) {
            isAnchor[a] = true;
        }
        for (int a = 0; a < m; a++) {
            if (!isAnchor[a]) {
                // drawn all the same: a step's random stream does not depend on the anchors chosen
                for (int k = 0; k < m - 1; k++) {
                    permutations.next(a, k, b);
                }
                continue;
            }
            int[] nonIdx = new int[m - 1];
            int[][] inverses = new int[m - 1][];
            for (int k = 0, n = 0; k < m; k++) {
                if (k != a) {
                    nonIdx[n++] = k;
                }
            }
            for (int k = 0; k < m - 1; k++) {
                int[] p = permutations.next(a, k, b);
                Permutations.check(p, b, "permutation for anchor " + a + ", non-anchor " + k);
                inverses[k] = Permutations.inverse(p);
                Nd4j.pullRows(r.get(nonIdx[k]), shuffled[k], 1, p);
            }
            q.assign(shuffled[0]);
            for (int k = 1; k < m - 1; k++) {
                q.muli(shuffled[k]);
            }
            INDArray x = r.get(a);
            Nd4j.gemm(x, q, z, false, true, s, 0.0);
            SoftmaxRows.Sums sums = SoftmaxRows.crossEntropy(z, sPos, coef, w, eps,
                    eps > 0 ? rowMeans(x, q, sPos, s) : null);
            loss += coef * sums.loss();
            gradLog += sums.gradDotLogits();
            if (!gradients) {
                continue;
            }
            for (int i = 0; i < b; i++) {
                wTotal[i] += w[i];
            }
            Nd4j.gemm(z, q, grads.get(a), false, false, s, 1.0);
            Nd4j.gemm(z, x, dq, true, false, s, 0.0);
            for (int k = 0; k < m - 1; k++) {
                tmp.assign(dq);
                for (int l = 0; l < m - 1; l++) {
                    if (l != k) {
                        tmp.muli(shuffled[l]);
                    }
                }
                Nd4j.pullRows(tmp, back, 1, inverses[k]);
                grads.get(nonIdx[k]).addi(back);
            }
        }
        if (!gradients) {
            return new LossGradients(loss, List.of(), Double.NaN);
        }
        INDArray wCol = Nd4j.createFromArray(wTotal).castTo(dt).reshape(b, 1).muli(s);
        for (int k = 0; k < m; k++) {
            tmp.assign(r.get(k == 0 ? 1 : 0));
            for (int l = (k == 0 ? 2 : 1); l < m; l++) {
                if (l != k) {
                    tmp.muli(r.get(l));
                }
            }
            grads.get(k).addi(tmp.muliColumnVector(wCol));
        }
        return new LossGradients(loss, grads, gradLog);
    }

    /**
     * mean_j Z_ij with the positive on the diagonal, from [B, d] products: (s·x_i·Σ_j Q_j − s·x_i·Q_i + s·pos_i)/B
     * (the label smoothing's term; no pass over Z).
     */
    private static double[] rowMeans(INDArray x, INDArray q, double[] sPos, double s) {
        int b = (int) x.rows();
        double[] total = x.mmul(q.sum(true, 0).transpose()).castTo(DataType.DOUBLE).toDoubleVector();
        double[] own = x.mul(q).sum(1).castTo(DataType.DOUBLE).toDoubleVector();
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            out[i] = (s * total[i] - s * own[i] + sPos[i]) / b;
        }
        return out;
    }
}
