package org.symile.samediff.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Row-wise L2 normalisation as PyTorch's {@code F.normalize(x, p=2, dim=1, eps=1e-12)}:
 * y = x / max(‖x‖₂, eps), [B, d] -> [B, d]. Used by binary_xor (upstream §1.8); Symile-M3 and Symile-MIMIC do not
 * normalise.
 */
public final class L2Normalize {
    /** PyTorch's default eps. */
    public static final double EPS = 1e-12;

    private L2Normalize() {
    }

    /** Adds the normalisation of {@code x} along dimension 1 to the graph. */
    public static SDVariable apply(SameDiff sd, SDVariable x) {
        SDVariable norm = sd.math.sqrt(x.mul(x).sum(true, 1));
        SDVariable denom = sd.math.max(norm, sd.constant(Nd4j.scalar(x.dataType(), EPS)));
        return x.div(denom);
    }

    /** The same normalisation on an array (returns a new array). */
    public static INDArray apply(INDArray x) {
        INDArray norm = x.norm2(true, 1);
        return x.divColumnVector(Transforms.max(norm, EPS, false));
    }
}
