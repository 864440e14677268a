package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pairwise CLIP and its exact gradients in closed form, computed eagerly: the value and gradients of
 * {@link ClipLoss} (see it for the loss) from six GEMMs (three at wide widths) and two softmax passes per pair.
 *
 * <p>Per pair (u, v) with L = s·u vᵀ and Lᵀ = s·v uᵀ ([B, B]; both are read along rows, so Lᵀ is its own GEMM at
 * narrow widths and a transposed copy from d = {@value #WIDE} on), c = 1/(2B):
 * <pre>
 *   G = c·(softmax_rows(L) − I),   H = c·(softmax_rows(Lᵀ) − I)     loss += c·Σ_i (lse_i(L) − L_ii + lse_i(Lᵀ) − L_ii)
 *   ∂u += s·(G v + Hᵀ v),   ∂v += s·(Gᵀ u + H u),   ∂log s += Σ G ⊙ L + Σ H ⊙ Lᵀ
 * </pre>
 * At wide widths the four gradient GEMMs become two, with K = G + Hᵀ: ∂u += s·K v, ∂v += s·Kᵀ u.
 */
final class ClipClosedForm implements EagerLoss {
    /** From this width on, Lᵀ is a transposed copy of L and the gradient GEMMs take G + Hᵀ. */
    static final long WIDE = 64;
    /** [B, B]: G, H. [B, d]: the M gradients. */
    private ClosedFormScratch scratch;
    private int scratchM = -1;

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
        // a strided [B, B] transpose costs about as much as a GEMM with d ≈ 30 (measured: 1.8 ms against 0.5 ms
        // for a d = 16 GEMM at B = 1000; 0.13 ms against 0.7 ms for d = 512 at B = 256)
        boolean wide = d >= WIDE;
        double loss = 0;
        double gradLog = 0;
        for (int a = 0; a < m; a++) {
            for (int c = a + 1; c < m; c++) {
                INDArray u = r.get(a);
                INDArray v = r.get(c);
                Nd4j.gemm(u, v, g, false, true, s, 0.0);
                if (wide) {
                    h.assign(g.transpose());
                } else {
                    Nd4j.gemm(v, u, h, false, true, s, 0.0);
                }
                SoftmaxRows.Sums rows = SoftmaxRows.crossEntropy(g, null, coef, null);
                SoftmaxRows.Sums cols = SoftmaxRows.crossEntropy(h, null, coef, null);
                loss += coef * (rows.loss() + cols.loss());
                gradLog += rows.gradDotLogits() + cols.gradDotLogits();
                if (!gradients) {
                    continue;
                }
                if (wide) {
                    // K = G + Hᵀ is the gradient with respect to L: two GEMMs instead of four
                    g.addi(h.transpose());
                    Nd4j.gemm(g, v, grads.get(a), false, false, s, 1.0);
                    Nd4j.gemm(g, u, grads.get(c), true, false, s, 1.0);
                } else {
                    Nd4j.gemm(g, v, grads.get(a), false, false, s, 1.0);
                    Nd4j.gemm(h, v, grads.get(a), true, false, s, 1.0);
                    Nd4j.gemm(g, u, grads.get(c), true, false, s, 1.0);
                    Nd4j.gemm(h, u, grads.get(c), false, false, s, 1.0);
                }
            }
        }
        return new LossGradients(loss, grads, gradLog);
    }
}
