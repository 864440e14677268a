package org.symile.app.spec;

/**
 * AdamW's settings: {@code --lr}, {@code --weight_decay} (decoupled, applied to every trained tensor, the log
 * scale included, as upstream), and PyTorch's defaults for the betas and epsilon.
 */
public record OptimizerSpec(double lr, double weightDecay, double beta1, double beta2, double eps) {

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public OptimizerSpec {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("--lr: expected a positive learning rate, got " + lr);
        }
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight_decay: expected >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
            throw new IllegalArgumentException("AdamW: expected betas in [0, 1) and eps > 0, got " + beta1 + ", "
                    + beta2 + ", " + eps);
        }
    }

    /** {@code torch.optim.AdamW}'s defaults (betas 0.9, 0.999; eps 1e-8) with the given rate and decay. */
    public static OptimizerSpec of(double lr, double weightDecay) {
        return new OptimizerSpec(lr, weightDecay, 0.9, 0.999, 1e-8);
    }
}
