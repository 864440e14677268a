package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The graph form of {@link TupleObjectiveLoss}: GRAM (M ≤ 4) and TRIANGLE as SameDiff ops over pairwise dot
 * products. Outer products and row/column broadcasts onto [B, B] are GEMMs with a ones vector (libnd4j's broadcast
 * backward runs element by element); the ones vector is taken off a detached value so it has no gradient.
 */
final class TupleObjectiveGraph {
    private TupleObjectiveGraph() {
    }

    static LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale,
                           TupleObjective objective, double eps, int[] anchors) {
        SDVariable s = scale.scale();
        SDVariable total = null;
        for (int a : anchors) {
            List<SDVariable> others = new ArrayList<>(reps);
            SDVariable x = others.remove(a);
            Parts p = new Parts(sd, x, others);
            SDVariable score = objective == TupleObjective.GRAM ? gram(p) : triangle(p);
            SDVariable logits = score.mul(s).neg();
            SDVariable ce = smoothed(sd, logits, eps).add(smoothed(sd, sd.transpose(logits), eps)).mul(0.5);
            total = total == null ? ce : total.add(ce);
        }
        return new PlainLossGraph(total.div(name, anchors.length), objective.flag() + " loss");
    }

    /**
     * Mean over rows of (1 − ε)·(−log p_ii) + ε·mean_j(−log p_ij), p the row softmax, as lse_i − (1 − ε)·L_ii −
     * ε·mean_j L_ij. Not through {@code sd.nn.logSoftmax}: libnd4j's log_softmax is log(softmax) and gives −∞
     * where the softmax underflows (logits ~104 below the row's largest in float), which un-normalised
     * representations reach at once (Symile-M3's LayerNorm outputs: an infinite loss at the first step).
     */
    private static SDVariable smoothed(SameDiff sd, SDVariable logits, double eps) {
        SDVariable lse = GraphMath.rowLogSumExp(sd, logits);
        SDVariable nll = lse.mean().sub(sd.math.diagPart(logits).mean().mul(1 - eps));
        return eps == 0 ? nll : nll.sub(logits.mean().mul(eps));
    }

    /** The pairwise dot products of the tuples (a_i, o_1[j], …): α [B, 1], P_k [B, B], c_kl [B, 1] over j. */
    private static final class Parts {
        final SameDiff sd;
        final int n;
        final SDVariable alpha;
        final SDVariable[] p;
        final SDVariable[][] c;
        final SDVariable ones;

        Parts(SameDiff sd, SDVariable a, List<SDVariable> others) {
            this.sd = sd;
            n = others.size();
            alpha = a.mul(a).sum(true, 1);
            ones = Detached.of(sd, alpha).mul(0.0).add(1.0);
            p = new SDVariable[n];
            c = new SDVariable[n][n];
            for (int k = 0; k < n; k++) {
                p[k] = sd.mmul(a, others.get(k), false, true, false);
                for (int l = k; l < n; l++) {
                    c[k][l] = others.get(k).mul(others.get(l)).sum(true, 1);
                    c[l][k] = c[k][l];
                }
            }
        }

        /** [B, B] with row i equal to v_i: v [B, 1] along the anchor's rows. */
        SDVariable rows(SDVariable v) {
            return sd.mmul(v, ones, false, true, false);
        }

        /** [B, B] with column j equal to v_j: v [B, 1] along the candidates. */
        SDVariable cols(SDVariable v) {
            return sd.mmul(ones, v, false, true, false);
        }
    }

    /**
     * sqrt(max(|det G|, floor)) with det G = α·det C − Σ_kl adj(C)_kl P_k P_l (the Schur expansion of the tuple's
     * Gram matrix about the anchor), C the candidate's (M−1) x (M−1) Gram matrix, written out for M − 1 ≤ 3.
     */
    private static SDVariable gram(Parts q) {
        SDVariable[][] c = q.c;
        SDVariable detC;
        SDVariable[][] adj = new SDVariable[q.n][q.n];
        switch (q.n) {
            case 1 -> {
                detC = c[0][0];
                adj[0][0] = null;
            }
            case 2 -> {
                detC = c[0][0].mul(c[1][1]).sub(c[0][1].mul(c[0][1]));
                adj[0][0] = c[1][1];
                adj[1][1] = c[0][0];
                adj[0][1] = c[0][1].neg();
            }
            default -> {
                adj[0][0] = c[1][1].mul(c[2][2]).sub(c[1][2].mul(c[1][2]));
                adj[1][1] = c[0][0].mul(c[2][2]).sub(c[0][2].mul(c[0][2]));
                adj[2][2] = c[0][0].mul(c[1][1]).sub(c[0][1].mul(c[0][1]));
                adj[0][1] = c[0][2].mul(c[1][2]).sub(c[0][1].mul(c[2][2]));
                adj[0][2] = c[0][1].mul(c[1][2]).sub(c[0][2].mul(c[1][1]));
                adj[1][2] = c[0][1].mul(c[0][2]).sub(c[0][0].mul(c[1][2]));
                detC = c[0][0].mul(adj[0][0]).add(c[0][1].mul(adj[0][1])).add(c[0][2].mul(adj[0][2]));
            }
        }
        SDVariable det = q.sd.mmul(q.alpha, detC, false, true, false);
        for (int k = 0; k < q.n; k++) {
            for (int l = k; l < q.n; l++) {
                SDVariable pp = q.p[k].mul(q.p[l]);
                SDVariable term = adj[k][l] == null ? pp : pp.mul(q.cols(adj[k][l]));
                det = det.sub(k == l ? term : term.mul(2.0));
            }
        }
        double floor = TupleObjective.DET_FLOOR;
        return q.sd.math.sqrt(q.sd.nn.relu(q.sd.math.abs(det).sub(floor), 0.0).add(floor));
    }

    /**
     * (|u|²|v|² − (u·v)²)/2, u = a − b, v = a − c: |u|² = α − 2P_1 + c_11, |v|² = α − 2P_2 + c_22,
     * u·v = α − P_1 − P_2 + c_12.
     */
    private static SDVariable triangle(Parts q) {
        SDVariable a = q.rows(q.alpha);
        SDVariable uu = a.sub(q.p[0].mul(2.0)).add(q.cols(q.c[0][0]));
        SDVariable vv = a.sub(q.p[1].mul(2.0)).add(q.cols(q.c[1][1]));
        SDVariable uv = a.sub(q.p[0]).sub(q.p[1]).add(q.cols(q.c[0][1]));
        return uu.mul(vv).sub(uv.mul(uv)).mul(0.5);
    }
}
