package org.symile.samediff.nn;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One eager LayerNorm over the last axis of [N, H] (for {@link EagerTextEncoder}): y = x̂·γ + β, x̂ = (x − μ)·rstd,
 * rstd = (var + eps)^(−1/2), keeping x̂ and rstd for the backward pass. Large arrays come from an {@link Arena}.
 */
final class Norm {
    final INDArray y;
    private final INDArray xhat;
    private final INDArray rstd;
    private final INDArray gamma;
    private final boolean yInArena;

    private Norm(INDArray y, INDArray xhat, INDArray rstd, INDArray gamma, boolean yInArena) {
        this.y = y;
        this.xhat = xhat;
        this.rstd = rstd;
        this.gamma = gamma;
        this.yInArena = yInArena;
    }

    /**
     * Normalises x [N, H] with γ, β [H] (as {@link LayerNorm#apply}: centred · rsqrt(var + eps) · γ + β).
     *
     * @param yInArena whether y comes from the arena (false: a fresh array the caller may hand out)
     */
    static Norm forward(INDArray x, INDArray gamma, INDArray beta, double eps, Arena arena, boolean yInArena) {
        INDArray mean = x.mean(true, 1);
        INDArray xhat = arena.take(x.dataType(), x.shape()).assign(x).subiColumnVector(mean);
        mean.close();
        INDArray sq = arena.take(x.dataType(), x.shape());
        xhat.mul(xhat, sq);
        INDArray var = sq.mean(true, 1);
        arena.give(sq);
        INDArray rstd = Transforms.pow(var.addi(eps), -0.5, false);
        xhat.muliColumnVector(rstd);
        INDArray y = yInArena ? arena.take(x.dataType(), x.shape())
                : Nd4j.createUninitialized(x.dataType(), x.shape());
        y.assign(xhat).muliRowVector(gamma.reshape(1, -1)).addiRowVector(beta.reshape(1, -1));
        return new Norm(y, xhat, rstd, gamma, yInArena);
    }

    /**
     * Puts dγ = Σ dy ⊙ x̂ and dβ = Σ dy under the given names; returns dx = rstd·(dx̂ − mean(dx̂) −
     * x̂·mean(dx̂ ⊙ x̂)), dx̂ = dy ⊙ γ, an arena array.
     */
    INDArray backward(INDArray dy, Map<String, INDArray> grads, String gammaName, String betaName, Arena arena) {
        INDArray t = arena.take(dy.dataType(), dy.shape());
        dy.mul(xhat, t);
        grads.put(gammaName, t.sum(0).reshape(gamma.shape()));
        grads.put(betaName, dy.sum(0).reshape(gamma.shape()));
        INDArray dx = arena.take(dy.dataType(), dy.shape()).assign(dy).muliRowVector(gamma.reshape(1, -1));
        INDArray m1 = dx.mean(true, 1);
        dx.mul(xhat, t);
        INDArray m2 = t.mean(true, 1);
        t.assign(xhat).muliColumnVector(m2);
        dx.subiColumnVector(m1).subi(t).muliColumnVector(rstd);
        arena.give(t);
        m1.close();
        m2.close();
        return dx;
    }

    /** Returns x̂ (and y when it came from the arena) to the arena and frees rstd. */
    void release(Arena arena) {
        arena.give(xhat);
        if (yInArena) {
            arena.give(y);
        }
        rstd.close();
    }
}
