package org.symile.app.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjective;
import org.symile.samediff.TupleObjectiveLoss;

/**
 * The objective of a run: {@code --loss_fn}, Symile's {@code --negative_sampling} and {@code --memory_lean}, the
 * logit scale's {@code --logit_scale_init} (its log) and {@code --freeze_logit_scale}, {@code --label_smoothing}
 * (CLIP, GRAM, TRIANGLE) and the GRAM and TRIANGLE objectives' {@code --anchors}.
 *
 * <p>CLIP, GRAM and TRIANGLE ignore the negative sampling (upstream's CLIP does too); it is recorded as {@code n},
 * and an explicit {@code n_squared} with them is refused rather than silently ignored. A subset of anchors is
 * GRAM's and TRIANGLE's (their official code's recipe); label smoothing also applies to CLIP's cross-entropies
 * (PyTorch's {@code label_smoothing}, default 0 as upstream). Symile trains as upstream, with every modality as an
 * anchor and no smoothing; other values are refused.
 *
 * @param labelSmoothing ε of every cross-entropy: 0 for symile, 0 by default for clip, 0.1 for gram and triangle
 * @param anchors        the modalities (by name) whose losses are averaged; empty: every modality
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
        if (lossFn == LossFn.SYMILE && labelSmoothing != 0) {
            throw new IllegalArgumentException("--label_smoothing " + labelSmoothing + ": applies to --loss_fn clip,"
                    + " gram and triangle; --loss_fn symile trains without smoothing, as upstream (give 0 or omit it)");
        }
        if (lossFn.tupleObjective().isEmpty() && !anchors.isEmpty()) {
            throw new IllegalArgumentException("--anchors " + String.join(",", anchors) + ": applies to --loss_fn"
                    + " gram and triangle; --loss_fn " + lossFn.flag() + " averages over every modality, as upstream"
                    + " (give all or omit it)");
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

    /** The Symile loss configuration these settings select (meaningful for {@link LossFn#SYMILE}). */
    public SymileLoss.Config symileConfig() {
        return new SymileLoss.Config(negativeSampling, memoryLean, SymileLoss.DEFAULT_LEAN_CHUNK_ELEMENTS);
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
     * Checks the objective against an experiment's modalities and representation width: TRIANGLE's M = 3, GRAM's
     * d ≥ M and the anchors' names.
     *
     * @throws IllegalArgumentException naming the flag whose value does not fit
     */
    public void checkModalities(List<String> modalities, int d) {
        if (lossFn.tupleObjective().isPresent()) {
            tupleLoss(modalities);
            lossFn.tupleObjective().get().checkDimensions(modalities.size(), d);
        }
    }
}
