package org.symile.samediff;

import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Pairwise CLIP baseline (upstream §1.6): symmetric InfoNCE summed over every pair of modalities, with one
 * shared scale s.
 * <pre>
 *   infonce(u, v) = ( CE(s·u vᵀ, t) + CE(s·v uᵀ, t) ) / 2,   t = [0..B-1]     [B,d] x [B,d] -> []
 *   clip(r_1..r_M) = Σ_{a&lt;b} infonce(r_a, r_b)
 * </pre>
 * The pairs are summed, not averaged (upstream's code, against its docstring), so for M = 3 this loss is on a
 * 3× larger scale than Symile's anchor mean. Each cross-entropy is a shifted log-sum-exp minus the positive logit
 * (see {@code pair}); negative sampling does not apply.
 */
public final class ClipLoss {
    /** Widths below this are scaled before the product (typical batches are larger than such widths). */
    static final long NARROW_WIDTH = 128;
    private final long width;
    private final LossForm form;

    /** A CLIP loss for representations whose width SameDiff knows statically, or for any width (general form). */
    public ClipLoss() {
        this(-1, LossForm.GRAPH);
    }

    private ClipLoss(long width, LossForm form) {
        this.width = width;
        this.form = form;
    }

    /** The same loss in the given form ({@link LossForm#CLOSED_FORM}: {@link ClipClosedForm}). */
    public ClipLoss withForm(LossForm newForm) {
        return new ClipLoss(width, Objects.requireNonNull(newForm, "form"));
    }

    /** The form this loss is built in. */
    public LossForm form() {
        return form;
    }

    /**
     * The same loss, told the representations' width d for graphs where SameDiff cannot infer it (op outputs have
     * no static shape in M2.1): narrow widths then get the faster form. Values and gradients do not change.
     */
    public ClipLoss withWidth(long d) {
        if (d < 1) {
            throw new IllegalArgumentException("CLIP loss: width must be >= 1, got " + d);
        }
        return new ClipLoss(d, form);
    }

    /**
     * Builds the loss into {@code sd}; in the graph form the returned graph needs no feeding, in the closed form
     * {@link LossGraph#feed} computes the loss.
     *
     * @param name  name of the loss variable
     * @param reps  M ≥ 2 representation variables [B, d]
     * @param scale the shared logit scale
     */
    public LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale) {
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(scale, "scale");
        GraphMath.checkReps(reps, "CLIP loss");
        if (form == LossForm.CLOSED_FORM) {
            return new SurrogateLossGraph(sd, name, List.copyOf(reps), scale, new ClipClosedForm(), "CLIP loss");
        }
        SDVariable s = scale.scale();
        long d = GraphMath.width(reps, width, "CLIP loss");
        boolean narrow = d > 0 && d < NARROW_WIDTH;
        SDVariable total = null;
        for (int a = 0; a < reps.size(); a++) {
            for (int b = a + 1; b < reps.size(); b++) {
                SDVariable pair = pair(sd, reps.get(a), reps.get(b), s, narrow);
                total = total == null ? pair : total.add(pair);
            }
        }
        return new PlainLossGraph(total.mul(name, 1.0), "CLIP loss");
    }

    /**
     * infonce(u, v). Wide representations: (mean lse(L) + mean lse(Lᵀ))/2 − mean diagPart(L) with L = (u vᵀ)·s, lse
     * the max-shifted row log-sum-exp. Narrow ones (d &lt; {@link #NARROW_WIDTH}), where the [B, B] passes dominate, in fewer of them:
     * <pre>
     *   L = (s·u) vᵀ,  p_i = L_ii = (s·u_i)·v_i,  c_i = max_j L_ij,  k_j = max_i L_ij      (shifts, no gradient)
     *   infonce = ( mean_i[log Σ_j exp(L_ij − c_i) + c_i] + mean_j[log Σ_i exp(L_ij − k_j) + k_j] ) / 2 − mean_i p_i
     * </pre>
     * The shifts are taken on a {@link Detached} copy (the expression does not depend on them, so their gradient
     * is zero); row and column sums and the shift broadcasts are products with ones vectors, whose backward is a
     * GEMM rather than libnd4j's element-by-element broadcast backward; the positives come from a [B, d] product
     * instead of the diagonal of a [B, B] log-softmax. At B 1000, d 16 this took the three-modality loss step
     * from ~108 to ~70 ms; at B 256, d 512 it was no faster than the log-softmax form (18.5 against 16.5 ms).
     */
    private static SDVariable pair(SameDiff sd, SDVariable u, SDVariable v, SDVariable s, boolean narrow) {
        if (!narrow) {
            // libnd4j's multiply_bp tiles a broadcast scalar to the full shape element by element; at these widths
            // the [B, d] products dominate either way
            // not sd.nn.logSoftmax: libnd4j's is log(softmax), −∞ for a positive ~104 below its row's largest logit
            SDVariable logits = sd.mmul(u, v, false, true, false).mul(s);
            SDVariable rows = GraphMath.rowLogSumExp(sd, logits).mean();
            SDVariable cols = GraphMath.rowLogSumExp(sd, sd.transpose(logits)).mean();
            return rows.add(cols).mul(0.5).sub(sd.math.diagPart(logits).mean());
        }
        SDVariable us = u.mul(s);
        SDVariable logits = sd.mmul(us, v, false, true, false);
        SDVariable fixed = Detached.of(sd, logits);
        // ones vectors from the detached [B, B] value: arithmetic on it needs no identity input and has no gradient
        SDVariable onesCol = fixed.sum(true, 1).mul(0.0).add(1.0);
        SDVariable onesRow = fixed.sum(true, 0).mul(0.0).add(1.0);
        SDVariable rowShift = fixed.max(true, 1);
        SDVariable colShift = fixed.max(true, 0);
        SDVariable rowExp = sd.math.exp(logits.sub(sd.mmul(rowShift, onesRow)));
        SDVariable colExp = sd.math.exp(logits.sub(sd.mmul(onesCol, colShift)));
        SDVariable rowLse = sd.math.log(sd.mmul(rowExp, onesCol)).add(rowShift);
        SDVariable colLse = sd.math.log(sd.mmul(onesRow, colExp)).add(colShift);
        SDVariable positives = us.mul(v).sum(true, 1);
        return rowLse.mean().add(colLse.mean()).mul(0.5).sub(positives.mean());
    }
}
