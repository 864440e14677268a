package org.symile.samediff.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** The exact GELU of PyTorch's {@code nn.GELU()}: 0.5·x·(1 + erf(x/√2)) (not the tanh approximation). */
public final class Gelu {
    private Gelu() {
    }

    public static SDVariable apply(SameDiff sd, SDVariable x) {
        return x.mul(sd.math.erf(x.mul(1 / Math.sqrt(2))).add(1.0)).mul(0.5);
    }
}
