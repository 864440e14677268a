package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GRAM or TRIANGLE as a contrastive loss with its exact gradients, computed eagerly ({@link EagerLoss}); the
 * closed form of {@link TupleObjectiveLoss}.
 *
 * <p>For an anchor modality a with the other modalities o_1..o_{M−1} in their order, S[i, j] is the score of the
 * tuple (a_i, o_1[j], …, o_{M−1}[j]) ({@link TupleObjective}): only the anchor varies along a row, the candidate
 * tuples stay paired, so S is [B, B] for any M. With logits L = −s·S:
 * <pre>
 *   loss_a = ½ (CE_ε(rows of L, diagonal) + CE_ε(columns of L, diagonal))
 *   CE_ε(row i) = lse_i − (1 − ε)·L_ii − (ε / B)·Σ_j L_ij           (PyTorch's label smoothing)
 *   loss   = mean of loss_a over the chosen anchors
 * </pre>
 * No [B, B, M, M] tensor is built: the Gram entries of a tuple are α_i = |a_i|², the [B, B] products
 * P_k = a o_kᵀ (GEMMs) and the per-row c_kl = o_k · o_l; each pair's M x M matrix is assembled in registers, its
 * score and ∂score/∂G taken there, and the gradients return through the same GEMMs:
 * ∂a = 2 diag(Σ_j W_00) a + 2 Σ_k W_0k o_k, ∂o_k = 2 W_0kᵀ a + 2 Σ_l diag(Σ_i W_kl) o_l, with W_uv[i, j] the
 * loss's derivative with respect to G_uv of pair (i, j).
 */
final class TupleObjectiveClosedForm implements EagerLoss {
    private final TupleObjective objective;
    private final double labelSmoothing;
    private final int[] anchors;
    /** M = 3, the experiments' case: the products shared by the anchors, each pair's score written out. */
    private final TriadClosedForm triad;

    TupleObjectiveClosedForm(TupleObjective objective, double labelSmoothing, int[] anchors) {
        this.objective = objective;
        this.labelSmoothing = labelSmoothing;
        this.anchors = anchors;
        this.triad = new TriadClosedForm(objective, labelSmoothing, anchors);
    }

    @Override
    public LossGradients compute(List<INDArray> reps, double logScale, Permutations unused) {
        return reps.size() == 3 ? triad.compute(reps, logScale, null) : run(reps, logScale, true);
    }

    @Override
    public double value(List<INDArray> reps, double logScale, Permutations unused) {
        return reps.size() == 3 ? triad.value(reps, logScale, null) : run(reps, logScale, false).loss();
    }

    /** The general form for any M (package-private so that tests can hold the M = 3 form against it). */
    LossGradients general(List<INDArray> reps, double logScale) {
        return run(reps, logScale, true);
    }

    private LossGradients run(List<INDArray> reps, double logScale, boolean gradients) {
        Shapes.checkEager(reps, objective.flag() + " loss");
        int m = reps.size();
        objective.checkDimensions(m, reps.get(0).columns());
        int[] chosen = TupleObjectiveLoss.anchorsOf(anchors, m);
        int b = (int) reps.get(0).rows();
        DataType dt = reps.get(0).dataType();
        List<INDArray> x = new ArrayList<>(m);
        for (INDArray r : reps) {
            x.add(r.castTo(DataType.DOUBLE).dup('c'));
        }
        List<INDArray> grads = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            grads.add(Nd4j.zeros(DataType.DOUBLE, b, x.get(0).columns()));
        }
        double s = Math.exp(logScale);
        double loss = 0;
        double gradLog = 0;
        for (int a : chosen) {
            List<INDArray> others = new ArrayList<>(x);
            INDArray anchor = others.remove(a);
            PairScores ps = PairScores.of(objective, anchor, others);
            double[] logits = ps.scores();
            for (int i = 0; i < logits.length; i++) {
                logits[i] *= -s;
            }
            double[] dLogits = gradients ? new double[b * b] : null;
            loss += SmoothedCrossEntropy.symmetric(logits, b, labelSmoothing, 1.0 / chosen.length, dLogits);
            if (!gradients) {
                continue;
            }
            double[] dScores = new double[b * b];
            for (int i = 0; i < dScores.length; i++) {
                gradLog += dLogits[i] * logits[i];
                dScores[i] = -s * dLogits[i];
            }
            List<INDArray> g = ps.backward(dScores);
            for (int k = 0, n = 0; k < m; k++) {
                grads.get(k).addi(k == a ? g.get(0) : g.get(1 + n++));
            }
        }
        if (!gradients) {
            return new LossGradients(loss, List.of(), Double.NaN);
        }
        List<INDArray> out = new ArrayList<>(m);
        for (INDArray g : grads) {
            out.add(g.castTo(dt));
        }
        return new LossGradients(loss, out, gradLog);
    }
}
