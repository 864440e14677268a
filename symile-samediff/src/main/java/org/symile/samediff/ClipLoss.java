package org.symile.samediff;

import java.util.ArrayList;
import java.util.Arrays;
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
 * ({@link #withAnchors}: only the pairs that hold an anchor; {@link #withLabelSmoothing}: PyTorch's label
 * smoothing in every cross-entropy).
 * The pairs are summed, not averaged (upstream's code, against its docstring), so for M = 3 this loss is on a
 * 3× larger scale than Symile's anchor mean. Each cross-entropy is a shifted log-sum-exp minus the positive logit
 * (see {@code pair}); negative sampling does not apply.
 */
public final class ClipLoss {
    private final long width;
    private final LossForm form;
    private final double labelSmoothing;
    private final int[] anchors;

    /** A CLIP loss for representations whose width SameDiff knows statically, or for any width (general form). */
    public ClipLoss() {
        this(-1, LossForm.GRAPH, 0, null);
    }

    private ClipLoss(long width, LossForm form, double labelSmoothing, int[] anchors) {
        this.width = width;
        this.form = form;
        this.labelSmoothing = labelSmoothing;
        this.anchors = anchors;
    }

    /** The same loss in the given form ({@link LossForm#CLOSED_FORM}: {@link ClipClosedForm}). */
    public ClipLoss withForm(LossForm newForm) {
        return new ClipLoss(width, Objects.requireNonNull(newForm, "form"), labelSmoothing, anchors);
    }

    /**
     * The same loss summed over the pairs that hold at least one of the given anchors (0-based modalities, distinct;
     * null or none: every pair, upstream's loss). One anchor a gives Σ_{b≠a} infonce(r_a, r_b), the anchored CLIP
     * of ImageBind-style training; the pairs are checked against M when the loss is built.
     */
    public ClipLoss withAnchors(int... modalities) {
        int[] chosen = modalities == null || modalities.length == 0 ? null : modalities.clone();
        if (chosen != null && (Arrays.stream(chosen).anyMatch(a -> a < 0)
                || Arrays.stream(chosen).distinct().count() != chosen.length)) {
            throw new IllegalArgumentException("CLIP loss: anchors must be distinct modality indices, got "
                    + Arrays.toString(chosen));
        }
        return new ClipLoss(width, form, labelSmoothing, chosen);
    }

    /** The pairs (a, b), a &lt; b, of M modalities that hold at least one anchor (every pair for null). */
    static List<int[]> pairs(int m, int[] anchors) {
        int[] chosen = TupleObjectiveLoss.anchorsOf(anchors, m);
        boolean[] anchor = new boolean[m];
        for (int a : chosen) {
            anchor[a] = true;
        }
        List<int[]> out = new ArrayList<>();
        for (int a = 0; a < m; a++) {
            for (int b = a + 1; b < m; b++) {
                if (anchor[a] || anchor[b]) {
                    out.add(new int[] {a, b});
                }
            }
        }
        return out;
    }

    /**
     * The same loss with PyTorch's label smoothing ε in each of its cross-entropies (0, the default, is upstream's
     * loss): per row i of a pair's logits L ([B, B], targets on the diagonal), and likewise per column,
     * <pre>
     *   (1 − ε)·(lse_i(L) − L_ii) + ε·(lse_i(L) − mean_j L_ij)
     * </pre>
     *
     * @throws IllegalArgumentException unless 0 ≤ ε &lt; 1
     */
    public ClipLoss withLabelSmoothing(double eps) {
        return new ClipLoss(width, form, checkLabelSmoothing(eps), anchors);
    }

    /** ε itself if 0 ≤ ε &lt; 1 (both forms' check). */
    static double checkLabelSmoothing(double eps) {
        if (!(eps >= 0 && eps < 1)) {
            throw new IllegalArgumentException("CLIP loss: label smoothing must be in [0, 1), got " + eps);
        }
        return eps;
    }

    /** ε of {@link #withLabelSmoothing}. */
    public double labelSmoothing() {
        return labelSmoothing;
    }

    /** The form this loss is built in. */
    public LossForm form() {
        return form;
    }

    /**
     * The same loss, told the representations' width d for graphs where SameDiff cannot infer it (op outputs have
     * no static shape in M2.1); a width that contradicts a static shape is refused when the loss is built.
     *
     * @deprecated the graph form no longer depends on the width (one form serves every width since 2026-12-07);
     *     kept so that existing code compiles, and still checked against the representations' static width
     */
    @Deprecated
    public ClipLoss withWidth(long d) {
        if (d < 1) {
            throw new IllegalArgumentException("CLIP loss: width must be >= 1, got " + d);
        }
        return new ClipLoss(d, form, labelSmoothing, anchors);
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
            pairs(reps.size(), anchors);
            return new SurrogateLossGraph(sd, name, List.copyOf(reps), scale,
                    new ClipClosedForm(labelSmoothing, anchors), "CLIP loss");
        }
        SDVariable s = scale.scale();
        GraphMath.width(reps, width, "CLIP loss");
        SDVariable total = null;
        for (int[] ab : pairs(reps.size(), anchors)) {
            SDVariable pair = pair(sd, reps.get(ab[0]), reps.get(ab[1]), s, labelSmoothing);
            total = total == null ? pair : total.add(pair);
        }
        return new PlainLossGraph(total.mul(name, 1.0), "CLIP loss");
    }

    /**
     * infonce(u, v), with the softmax weights of both cross-entropies taken on a {@link Detached} copy of the logits
     * so that autodiff has nothing to do for them:
     * <pre>
     *   L = (s·u) vᵀ,  L̂ = L detached,  c_i = max_j L̂_ij,  k_j = max_i L̂_ij
     *   E_ij = exp(L̂_ij − c_i),  F_ij = exp(L̂_ij − k_j),  K = E / Σ_j E_ij + F / Σ_i F_ij         (no gradient)
     *   infonce = ( mean_i[log Σ_j E_ij + c_i] + mean_j[log Σ_i F_ij + k_j] + mean_i Σ_j K_ij (L_ij − L̂_ij) ) / 2
     *             − mean_i (s·u_i)·v_i
     * </pre>
     * L − L̂ is exactly 0, so the value is the shifted log-sum-exps' minus the positives; its gradient with respect
     * to L is K/(2B), the two softmaxes, exactly the log-sum-exps' gradient. The backward pass is then one [B, B]
     * product and the GEMMs: M2.1's {@code exp} backward recomputes exp of its input and its broadcast backward
     * ops tile element by element, which made the differentiated log-sum-exps two thirds of the step (at B 1000,
     * d 16: 14 exp passes of ~1.9 ms each; now 6, all forward). With label smoothing ε the positives' share
     * becomes (1 − ε)·mean_i (s·u_i)·v_i + ε·mean_ij L_ij, the latter as (mean_i s·u_i)·(mean_j v_j) ([1, d]
     * products, no [B, B] pass).
     */
    private static SDVariable pair(SameDiff sd, SDVariable u, SDVariable v, SDVariable s, double eps) {
        SDVariable us = u.mul(s);
        SDVariable logits = sd.mmul(us, v, false, true, false);
        SDVariable fixed = Detached.of(sd, logits);
        SDVariable rowShift = fixed.max(true, 1);
        SDVariable colShift = fixed.max(true, 0);
        SDVariable rowExp = sd.math.exp(fixed.sub(rowShift));
        SDVariable colExp = sd.math.exp(fixed.sub(colShift));
        SDVariable rowSum = rowExp.sum(true, 1);
        SDVariable colSum = colExp.sum(true, 0);
        SDVariable rowLse = sd.math.log(rowSum).add(rowShift);
        SDVariable colLse = sd.math.log(colSum).add(colShift);
        SDVariable weights = rowExp.div(rowSum).add(colExp.div(colSum));
        SDVariable linear = weights.mul(logits.sub(fixed)).sum(true, 1);
        SDVariable positives = us.mul(v).sum(true, 1);
        SDVariable lse = rowLse.mean().add(colLse.mean()).add(linear.mean()).mul(0.5);
        if (eps == 0) {
            return lse.sub(positives.mean());
        }
        SDVariable meanLogit = us.mean(true, 0).mul(v.mean(true, 0)).sum();
        return lse.sub(positives.mean().mul(1 - eps)).sub(meanLogit.mul(eps));
    }
}
