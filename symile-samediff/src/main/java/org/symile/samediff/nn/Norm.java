package org.symile.samediff.nn;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One eager LayerNorm over the last axis of [N, H] (for {@link EagerTextEncoder}): y = x̂·γ + β, x̂ = (x − μ)·rstd,
 * rstd = (var + eps)^(−1/2), keeping x̂ and rstd for the backward pass.
 */
final class Norm {
    final INDArray y;
    private final INDArray xhat;
    private final INDArray rstd;
    private final INDArray gamma;

    private Norm(INDArray y, INDArray xhat, INDArray rstd, INDArray gamma) {
        this.y = y;
        this.xhat = xhat;
        this.rstd = rstd;
        this.gamma = gamma;
    }

    /** Normalises x [N, H] with γ, β [H] (as {@link LayerNorm#apply}: centred · rsqrt(var + eps) · γ + β). */
    static Norm forward(INDArray x, INDArray gamma, INDArray beta, double eps) {
        INDArray mean = x.mean(true, 1);
        INDArray xhat = x.subColumnVector(mean);
        mean.close();
        INDArray sq = xhat.mul(xhat);
        INDArray var = sq.mean(true, 1);
        sq.close();
        INDArray rstd = Transforms.pow(var.addi(eps), -0.5, false);
        xhat.muliColumnVector(rstd);
        INDArray y = xhat.mulRowVector(gamma.reshape(1, -1)).addiRowVector(beta.reshape(1, -1));
        return new Norm(y, xhat, rstd, gamma);
    }

    /**
     * Puts dγ = Σ dy ⊙ x̂ and dβ = Σ dy under the given names; returns dx = rstd·(dx̂ − mean(dx̂) −
     * x̂·mean(dx̂ ⊙ x̂)), dx̂ = dy ⊙ γ.
     */
    INDArray backward(INDArray dy, Map<String, INDArray> grads, String gammaName, String betaName) {
        INDArray prod = dy.mul(xhat);
        grads.put(gammaName, prod.sum(0).reshape(gamma.shape()));
        grads.put(betaName, dy.sum(0).reshape(gamma.shape()));
        prod.close();
        INDArray dxhat = dy.mulRowVector(gamma.reshape(1, -1));
        INDArray m1 = dxhat.mean(true, 1);
        INDArray t = dxhat.mul(xhat);
        INDArray m2 = t.mean(true, 1);
        t.close();
        INDArray corr = xhat.mulColumnVector(m2);
        INDArray dx = dxhat.subiColumnVector(m1).subi(corr).muliColumnVector(rstd);
        for (INDArray a : new INDArray[] {m1, m2, corr}) {
            a.close();
        }
        return dx;
    }

    /** Frees x̂ and rstd, and y too when {@code output} is false (y is not handed out). */
    void release(boolean alsoOutput) {
        xhat.close();
        rstd.close();
        if (alsoOutput) {
            y.close();
        }
    }
}
