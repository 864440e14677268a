package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pairwise CLIP and its exact gradients in closed form, computed eagerly: the value and gradients of
 * {@link ClipLoss} (see it for the loss) from three GEMMs and one exponential per logit per pair.
 *
 * <p>Per pair (u, v) with L = s·u vᵀ ([B, B]) and c = 1/(2B): the rows' cross-entropy is softmax over L's rows,
 * the columns' (Lᵀ's rows) softmax over L's columns, both taken in L's own layout by
 * {@link SoftmaxColumns#symmetric} (from one shifted exponential of each logit unless the logits span more than
 * float's exp range), so neither Lᵀ nor a transposed copy is ever formed:
 * <pre>
 *   K = c·(softmax_rows(L) − I) + c·(softmax_cols(L) − I)     loss += c·Σ_i (lse_i(L) − L_ii + lse_i(Lᵀ) − L_ii)
 *   ∂u += s·K v,   ∂v += s·Kᵀ u,   ∂log s += Σ K ⊙ L
 * </pre>
 * Label smoothing ε adds c·ε·Σ_i (2·L_ii − mean_j L_ij − mean_j L_ji) to the loss and c·ε·(2I − (2/B)·11ᵀ) to K;
 * from the trace T = Σ_i L_ii (read off L) and the sum S = s·(Σ_i u_i)·(Σ_j v_j) that is c·ε·(2T − 2S/B) on the
 * loss and on ∂log s, and the K correction is added in place, so the same GEMMs give ∂u and ∂v. With anchors, only the
 * pairs holding one of them are summed ({@link ClipLoss#withAnchors}).
 */
final class ClipClosedForm implements EagerLoss {
    /** [B, B]: K, and the columns' gradient when the logits span too much for one exponential. [B, d]: gradients. */
    private ClosedFormScratch scratch;
    private int scratchM = -1;
    private final double eps;
    private final int[] anchors;

    /** Upstream's loss, without label smoothing. */
    ClipClosedForm() {
        this(0, null);
    }

    /**
     * @param eps     label smoothing in [0, 1) (see {@link ClipLoss#withLabelSmoothing})
     * @param anchors the pairs summed are those holding one of these modalities; null for every pair
     */
    ClipClosedForm(double eps, int[] anchors) {
        this.eps = ClipLoss.checkLabelSmoothing(eps);
        this.anchors = anchors == null ? null : anchors.clone();
    }

    /**
     * @param reps M ≥ 2 arrays [B, d] of one floating-point type (FLOAT or DOUBLE)
     * @return the loss and its gradients; the gradient arrays are reused, so valid until the next call
     */
    @Override
    public LossGradients compute(List<INDArray> reps, double logScale, Permutations unused) {
        return run(reps, logScale, true);
    }

    /** The loss alone, without the gradient products. */
    @Override
    public double value(List<INDArray> reps, double logScale, Permutations unused) {
        return run(reps, logScale, false).loss();
    }

    private LossGradients run(List<INDArray> reps, double logScale, boolean gradients) {
        Shapes.checkEager(reps, "CLIP loss");
        int m = reps.size();
        int b = (int) reps.get(0).rows();
        long d = reps.get(0).columns();
        DataType dt = reps.get(0).dataType();
        if (scratchM != m) {
            scratch = new ClosedFormScratch(2, m);
            scratchM = m;
        }
        scratch.fit(dt, b, d);
        List<INDArray> r = new ArrayList<>(m);
        List<INDArray> grads = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            INDArray rep = reps.get(k);
            r.add(Shapes.contiguous(rep));
            grads.add(scratch.matrix(k).assign(0));
        }
        double s = Math.exp(logScale);
        double coef = 1.0 / (2.0 * b);
        INDArray g = scratch.square(0);
        INDArray h = scratch.square(1);
        double loss = 0;
        double gradLog = 0;
        for (int[] pair : ClipLoss.pairs(m, anchors)) {
            int a = pair[0];
            int c = pair[1];
            INDArray u = r.get(a);
            INDArray v = r.get(c);
            Nd4j.gemm(u, v, g, false, true, s, 0.0);
            // the trace of L, read before the softmax pass overwrites L with K
            double trace = eps > 0 ? SquareArrays.diagonalSum(g) : 0;
            SoftmaxRows.Sums both = SoftmaxColumns.symmetric(g, h, coef);
            loss += coef * both.loss();
            gradLog += both.gradDotLogits();
            if (eps > 0) {
                double sum = s * u.sum(0).mul(v.sum(0)).sumNumber().doubleValue();
                double shift = coef * eps * (2 * trace - 2 * sum / b);
                loss += shift;
                gradLog += shift;
                if (gradients) {
                    // K += 2cε·(I − 11ᵀ/B): the GEMMs below then carry the smoothing's share of ∂u and ∂v
                    SquareArrays.addIdentityMinusConstant(g, 2 * coef * eps, 2 * coef * eps / b);
                }
            }
            if (!gradients) {
                continue;
            }
            Nd4j.gemm(g, v, grads.get(a), false, false, s, 1.0);
            Nd4j.gemm(g, u, grads.get(c), true, false, s, 1.0);
        }
        return new LossGradients(loss, grads, gradLog);
    }
}
