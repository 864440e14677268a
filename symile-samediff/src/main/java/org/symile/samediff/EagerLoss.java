package org.symile.samediff;

import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A contrastive loss as a plain function of the representations, with its exact gradients, computed eagerly (no
 * graph): the loss L and ∂L/∂r_m ([B, d] each) and ∂L/∂log(s) for representations r_1..r_M [B, d] and log(s).
 * It is what the closed forms and the memory-lean O(N²) loss compute, and what a gradient-cached training step
 * needs between encoding the batch without activations and back-propagating each micro-batch's slice of ∂L/∂r.
 */
public interface EagerLoss {

    /**
     * The loss and its gradients.
     *
     * @param reps         M ≥ 2 arrays [B, d] of one floating-point type
     * @param logScale     log(s)
     * @param permutations the O(N) negatives' row permutations, drawn in {@link Permutations}' order (anchor-major,
     *                     then non-anchor); ignored by losses without sampled negatives
     * @return the loss and gradients; gradient arrays may be reused by the next call, so consume them before it
     */
    LossGradients compute(List<INDArray> reps, double logScale, Permutations permutations);

    /** The value alone; permutations are drawn as {@link #compute} draws them. */
    default double value(List<INDArray> reps, double logScale, Permutations permutations) {
        return compute(reps, logScale, permutations).loss();
    }

    /**
     * The eager form of a Symile loss: O(N) in closed form ({@link SymileNClosedForm}), O(N²) chunk by chunk
     * ({@link SymileNSquaredLean}, never the [B^(M-1), d] product), whatever {@code config}'s form and lean flag.
     */
    static EagerLoss symile(SymileLoss.Config config) {
        Objects.requireNonNull(config, "config");
        if (config.negativeSampling() == NegativeSampling.N) {
            return new SymileNClosedForm(config.labelSmoothing(), config.anchorArray());
        }
        SymileNSquaredLean lean = new SymileNSquaredLean(config.leanChunkElements(), config.labelSmoothing(),
                config.anchorArray());
        return (reps, logScale, p) -> lean.compute(reps, logScale);
    }

    /** Pairwise CLIP in closed form ({@link ClipClosedForm}). */
    static EagerLoss clip() {
        return clip(0);
    }

    /** Pairwise CLIP in closed form ({@link ClipClosedForm}), with label smoothing ε (0: upstream's loss). */
    static EagerLoss clip(double eps) {
        return new ClipClosedForm(eps, null);
    }

    /**
     * Pairwise CLIP in closed form with label smoothing ε over the pairs that hold at least one of {@code anchors}
     * (0-based modalities; null for every pair, upstream's loss; see {@link ClipLoss#withAnchors}).
     */
    static EagerLoss clip(double eps, int[] anchors) {
        return new ClipClosedForm(eps, anchors);
    }
}
