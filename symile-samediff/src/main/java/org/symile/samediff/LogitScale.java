package org.symile.samediff;

import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The learned temperature of every Symile and CLIP logit (upstream §1.2).
 *
 * <p>One scalar variable holds log(s); losses and zero-shot scores multiply logits by s = exp(log s). It is
 * initialised directly to {@code --logit_scale_init} (no log taken), has no clamp, and is an ordinary trainable
 * variable (so AdamW's decoupled weight decay reaches it, as upstream). With {@code --freeze_logit_scale True}
 * it is a constant instead and receives no gradient.
 */
public final class LogitScale {
    /** Variable name used when none is given. */
    public static final String DEFAULT_NAME = "logit_scale";

    private final SDVariable logScale;
    private final SDVariable scale;
    private final boolean frozen;

    private LogitScale(SDVariable logScale, SDVariable scale, boolean frozen) {
        this.logScale = logScale;
        this.scale = scale;
        this.frozen = frozen;
    }

    /**
     * Adds the log-scale to {@code sd}.
     *
     * @param name   variable name of log(s); the exponentiated scale is named {@code name + "_exp"}
     * @param init   initial value of log(s), e.g. -0.3 (s = 0.741) or ln(1/0.07) = 2.659 (CLIP)
     * @param frozen if true the log-scale is a constant
     * @param dtype  floating-point type of the graph
     */
    public static LogitScale create(SameDiff sd, String name, double init, boolean frozen, DataType dtype) {
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(name, "name");
        if (!Double.isFinite(init)) {
            throw new IllegalArgumentException("logit_scale_init: expected a finite number, got " + init);
        }
        if (!dtype.isFPType()) {
            throw new IllegalArgumentException("logit scale dtype: expected a floating-point type, got " + dtype);
        }
        SDVariable v = frozen
                ? sd.constant(name, Nd4j.scalar(dtype, init))
                : sd.var(name, Nd4j.scalar(dtype, init));
        return new LogitScale(v, sd.math.exp(name + "_exp", v), frozen);
    }

    /** Wraps an existing scalar log-scale variable (for example one owned by a DL4J layer). */
    public static LogitScale wrap(SameDiff sd, SDVariable logScale) {
        return new LogitScale(logScale, sd.math.exp(logScale), false);
    }

    /** log(s), shape []. */
    public SDVariable logScale() {
        return logScale;
    }

    /** s = exp(log s), shape []. */
    public SDVariable scale() {
        return scale;
    }

    /** Whether the log-scale is a constant. */
    public boolean frozen() {
        return frozen;
    }
}
