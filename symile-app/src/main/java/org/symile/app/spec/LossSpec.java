package org.symile.app.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.symile.samediff.ClipLoss;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjective;
import org.symile.samediff.TupleObjectiveLoss;
import org.symile.samediff.dl4j.SymileOutputLayer;

/**
 * The objective of a run: {@code --loss_fn}, Symile's {@code --negative_sampling} and {@code --memory_lean}, the
 * logit scale's {@code --logit_scale_init} (its log) and {@code --freeze_logit_scale}, {@code --label_smoothing}
 * (CLIP, GRAM, TRIANGLE) and the GRAM and TRIANGLE objectives' {@code --anchors}.
 *
 * <p>CLIP, GRAM and TRIANGLE ignore the negative sampling (upstream's CLIP does too); it is recorded as {@code n},
 * and an explicit {@code n_squared} with them is refused rather than silently ignored. Label smoothing (PyTorch's
 * {@code label_smoothing}) applies to every objective's cross-entropies: 0 by default for symile and clip (upstream's
 * losses), 0.1 for gram and triangle (their official code). A subset of anchors averages those anchors' losses
 * (Symile, GRAM, TRIANGLE; the latter two's official recipe is one anchor) or, for CLIP, sums the pairs that hold an
 * anchor.
 *
 * @param labelSmoothing ε of every cross-entropy: 0 by default for symile and clip, 0.1 for gram and triangle
 * @param anchors        the modalities (by name) whose losses are averaged (CLIP: whose pairs are summed); empty:
 *                       every modality
 */
public record LossSpec(LossFn lossFn, NegativeSampling negativeSampling, boolean memoryLean, double logitScaleInit,
                       boolean freezeLogitScale, double labelSmoothing, List<String> anchors) {

    /** The official GRAM and TRIANGLE code's label smoothing. */
    public static final double TUPLE_LABEL_SMOOTHING = 0.1;

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public LossSpec {
        Objects.requireNonNull(lossFn, "--loss_fn");
        Objects.requireNonNull(negativeSampling, "--negative_sampling");
        anchors = anchors == null ? List.of() : List.copyOf(anchors);
        if (!lossFn.samplesNegatives() && negativeSampling == NegativeSampling.N_SQUARED) {
            throw new IllegalArgumentException("--negative_sampling n_squared: applies to --loss_fn symile only; omit"
                    + " it with --loss_fn " + lossFn.flag());
        }
        if (memoryLean && negativeSampling != NegativeSampling.N_SQUARED) {
            throw new IllegalArgumentException("--memory_lean True: needs --negative_sampling n_squared, got "
                    + negativeSampling);
        }
        if (!Double.isFinite(logitScaleInit)) {
            throw new IllegalArgumentException("--logit_scale_init: expected a finite number, got " + logitScaleInit);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("--label_smoothing: expected a number in [0, 1), got "
                    + labelSmoothing);
        }
        Set<String> seen = new HashSet<>();
        for (String a : anchors) {
            if (a == null || a.isBlank() || !seen.add(a)) {
                throw new IllegalArgumentException("--anchors: expected all or distinct modality names separated by"
                        + " commas, got '" + String.join(",", anchors) + "'");
            }
        }
    }

    /** Today's objective with its default smoothing for {@code lossFn} and every modality an anchor. */
    public LossSpec(LossFn lossFn, NegativeSampling negativeSampling, boolean memoryLean, double logitScaleInit,
                    boolean freezeLogitScale) {
        this(lossFn, negativeSampling, memoryLean, logitScaleInit, freezeLogitScale,
                defaultLabelSmoothing(lossFn), List.of());
    }

    /** {@code --label_smoothing}'s default: 0.1 for gram and triangle (their official code), else 0 (upstream). */
    public static double defaultLabelSmoothing(LossFn lossFn) {
        return lossFn.tupleObjective().isPresent() ? TUPLE_LABEL_SMOOTHING : 0;
    }

    /**
     * The Symile loss configuration these settings select over {@code modalities} (meaningful for
     * {@link LossFn#SYMILE}), in the graph form.
     *
     * @throws IllegalArgumentException naming {@code --anchors} for a name that is not among {@code modalities}
     */
    public SymileLoss.Config symileConfig(List<String> modalities) {
        return new SymileLoss.Config(negativeSampling, memoryLean, SymileLoss.DEFAULT_LEAN_CHUNK_ELEMENTS)
                .withLabelSmoothing(labelSmoothing).withAnchors(anchorIndices(modalities));
    }

    /** The CLIP loss these settings select over {@code modalities} (meaningful for {@link LossFn#CLIP}). */
    public ClipLoss clipLoss(List<String> modalities) {
        return new ClipLoss().withLabelSmoothing(labelSmoothing).withAnchors(anchorIndices(modalities));
    }

    /**
     * A DL4J output layer computing this objective over {@code modalities} (its input: their representations
     * concatenated, in that order): loss, negative sampling, logit scale, smoothing and anchors set; the caller sets
     * the width and, for gradient-cached steps, {@code cachedGradients}.
     */
    public SymileOutputLayer.Builder outputLayer(List<String> modalities) {
        return new SymileOutputLayer.Builder().numModalities(modalities.size()).lossFn(lossFn.flag())
                .negativeSampling(negativeSampling).logitScaleInit(logitScaleInit).labelSmoothing(labelSmoothing)
                .anchors(anchorIndices(modalities));
    }

    /**
     * The objective as a plain function with its exact gradients (what gradient-cached steps need): Symile O(N)
     * and CLIP in closed form, O(N²) memory-lean, GRAM and TRIANGLE in closed form.
     */
    public EagerLoss eagerLoss(List<String> modalities) {
        if (lossFn.tupleObjective().isPresent()) {
            return tupleLoss(modalities).eager();
        }
        return lossFn == LossFn.CLIP ? EagerLoss.clip(labelSmoothing, anchorIndices(modalities))
                : EagerLoss.symile(symileConfig(modalities));
    }

    /**
     * The anchors as indices into {@code modalities} (the model's modality order), or null for all of them.
     *
     * @throws IllegalArgumentException naming {@code --anchors} and the modalities there are
     */
    public int[] anchorIndices(List<String> modalities) {
        if (anchors.isEmpty()) {
            return null;
        }
        int[] out = new int[anchors.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = modalities.indexOf(anchors.get(i));
            if (out[i] < 0) {
                throw new IllegalArgumentException("--anchors: '" + anchors.get(i) + "' is not a modality here;"
                        + " expected all or some of " + String.join(",", modalities));
            }
        }
        return out;
    }

    /**
     * The GRAM or TRIANGLE loss over {@code modalities}, checked against their number (TRIANGLE needs 3).
     *
     * @throws IllegalStateException for Symile and CLIP
     * @throws IllegalArgumentException naming the flag whose value does not fit these modalities
     */
    public TupleObjectiveLoss tupleLoss(List<String> modalities) {
        TupleObjective o = lossFn.tupleObjective().orElseThrow(() -> new IllegalStateException(
                "--loss_fn " + lossFn.flag() + " is not a tuple objective"));
        o.checkModalities(modalities.size());
        return new TupleObjectiveLoss(o, labelSmoothing, anchorIndices(modalities));
    }

    /**
     * Checks the objective against an experiment's modalities and representation width: the anchors' names,
     * TRIANGLE's M = 3 and GRAM's d ≥ M.
     *
     * @throws IllegalArgumentException naming the flag whose value does not fit
     */
    public void checkModalities(List<String> modalities, int d) {
        anchorIndices(modalities);
        if (lossFn.tupleObjective().isPresent()) {
            tupleLoss(modalities);
            lossFn.tupleObjective().get().checkDimensions(modalities.size(), d);
        }
    }
}
