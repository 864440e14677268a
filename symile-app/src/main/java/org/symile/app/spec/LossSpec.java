package org.symile.app.spec;

import java.util.Objects;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.SymileLoss;

/**
 * The objective of a run: {@code --loss_fn}, Symile's {@code --negative_sampling} and {@code --memory_lean}, and
 * the logit scale's {@code --logit_scale_init} (its log) and {@code --freeze_logit_scale}.
 *
 * <p>CLIP ignores the negative sampling (upstream does too); it is recorded as {@code n}, and an explicit
 * {@code n_squared} with CLIP is refused rather than silently ignored.
 */
public record LossSpec(LossFn lossFn, NegativeSampling negativeSampling, boolean memoryLean, double logitScaleInit,
                       boolean freezeLogitScale) {

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public LossSpec {
        Objects.requireNonNull(lossFn, "--loss_fn");
        Objects.requireNonNull(negativeSampling, "--negative_sampling");
        if (lossFn == LossFn.CLIP && negativeSampling == NegativeSampling.N_SQUARED) {
            throw new IllegalArgumentException("--negative_sampling n_squared: applies to --loss_fn symile only; omit"
                    + " it with --loss_fn clip");
        }
        if (memoryLean && negativeSampling != NegativeSampling.N_SQUARED) {
            throw new IllegalArgumentException("--memory_lean True: needs --negative_sampling n_squared, got "
                    + negativeSampling);
        }
        if (!Double.isFinite(logitScaleInit)) {
            throw new IllegalArgumentException("--logit_scale_init: expected a finite number, got " + logitScaleInit);
        }
    }

    /** The Symile loss configuration these settings select (meaningful for {@link LossFn#SYMILE}). */
    public SymileLoss.Config symileConfig() {
        return new SymileLoss.Config(negativeSampling, memoryLean, SymileLoss.DEFAULT_LEAN_CHUNK_ELEMENTS);
    }
}
