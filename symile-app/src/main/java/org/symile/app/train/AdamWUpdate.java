package org.symile.app.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.symile.app.spec.OptimizerSpec;

/**
 * The arithmetic of one step of AdamW exactly as {@code torch.optim.AdamW} (upstream §1.9), shared by both of the
 * project's implementations so that they give the same numbers element for element. At step t (from 1):
 * <pre>
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * </pre>
 * The decay is applied by the caller (to the trained parameters only, {@link #decayFactor()}), the rest by
 * {@link #apply} on matching arrays or matching chunks of flattened ones.
 */
public final class AdamWUpdate {
    private final OptimizerSpec config;
    private final double stepSize;
    private final double bc2Sqrt;

    /**
     * @param step the step being taken, from 1
     */
    public AdamWUpdate(OptimizerSpec config, long step) {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW steps count from 1, got " + step);
        }
        this.config = config;
        double bc1 = 1 - Math.pow(config.beta1(), step);
        this.bc2Sqrt = Math.sqrt(1 - Math.pow(config.beta2(), step));
        this.stepSize = config.lr() / bc1;
    }

    /** Whether the step decays the parameters ({@code --weight_decay} is not 0). */
    public boolean decays() {
        return config.weightDecay() != 0;
    }

    /** The decoupled weight decay's factor {@code 1 − lr·wd}. */
    public double decayFactor() {
        return 1 - config.lr() * config.weightDecay();
    }

    /**
     * The Adam part of the step in place on arrays of one shape (parameter, its gradient, its two moments):
     * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − stepSize · m / (√v / √(1−β2^t) + ε).
     */
    public void apply(INDArray p, INDArray g, INDArray m, INDArray v) {
        INDArray gScaled = g.mul(1 - config.beta1());
        m.muli(config.beta1()).addi(gScaled);
        INDArray g2 = g.mul(g).muli(1 - config.beta2());
        v.muli(config.beta2()).addi(g2);
        INDArray denom = Transforms.sqrt(v, true).divi(bc2Sqrt).addi(config.eps());
        INDArray upd = m.div(denom).muli(stepSize);
        p.subi(upd);
        for (INDArray t : new INDArray[] {gScaled, g2, denom, upd}) {
            t.close();
        }
    }
}
