package org.symile.samediff.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PyTorch's {@code nn.LayerNorm(n)} over the last dimension, eps 1e-5 (BERT/XLM-R configs use 1e-12 or 1e-5,
 * passed in): y = (x − mean) / sqrt(var + eps) · γ + β with the biased variance; γ = 1, β = 0 initially.
 * Written arithmetically (mean, centred square, rsqrt), so its SameDiff gradient is exact.
 */
public final class LayerNorm {
    /** PyTorch's default eps. */
    public static final double EPS = 1e-5;

    private final SDVariable gamma;
    private final SDVariable beta;
    private final double eps;

    private LayerNorm(SDVariable gamma, SDVariable beta, double eps) {
        this.gamma = gamma;
        this.beta = beta;
        this.eps = eps;
    }

    /** Adds {@code name + "_gamma"} and {@code name + "_beta"} of size {@code n}. */
    public static LayerNorm create(SameDiff sd, String name, long n, double eps, DataType dtype) {
        return new LayerNorm(sd.var(name + "_gamma", Nd4j.ones(dtype, n)), sd.var(name + "_beta",
                Nd4j.zeros(dtype, n)), eps);
    }

    /** Normalises {@code x} (any rank, last dimension n) over its last dimension. */
    public SDVariable apply(SameDiff sd, SDVariable x, int rank) {
        int last = rank - 1;
        SDVariable centred = x.sub(x.mean(true, last));
        SDVariable var = centred.mul(centred).mean(true, last);
        return centred.mul(sd.math.rsqrt(var.add(eps))).mul(gamma).add(beta);
    }

    public SDVariable gamma() {
        return gamma;
    }

    public SDVariable beta() {
        return beta;
    }
}
