package org.symile.samediff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GRAM or TRIANGLE ({@link TupleObjective}) as a contrastive loss over M modalities, for a SameDiff graph or
 * eagerly.
 *
 * <p>For an anchor modality a with the other modalities o_1..o_{M−1} in their order, S[i, j] is the score of the
 * tuple (a_i, o_1[j], …, o_{M−1}[j]): only the anchor varies along a row, the candidate tuples stay paired, so S is
 * [B, B] for any M. With logits L = −s·S:
 * <pre>
 *   loss_a = ½ (CE_ε(rows of L, diagonal) + CE_ε(columns of L, diagonal))
 *   CE_ε(row i) = lse_i − (1 − ε)·L_ii − (ε / B)·Σ_j L_ij           (PyTorch's label smoothing)
 *   loss   = mean of loss_a over the chosen anchors
 * </pre>
 * Neither form builds a [B, B, M, M] tensor: a tuple's Gram entries are α_i = |a_i|², the [B, B] products
 * P_k = a o_kᵀ and the per-candidate c_kl = o_k · o_l. The graph form ({@link LossForm#GRAPH}, M ≤ 4 for GRAM)
 * expands the determinant over them (det G = α·det C − Σ_kl adj(C)_kl P_k P_l, C the candidates' Gram
 * matrix), TRIANGLE's area likewise (|u|² = α − 2P_1 + c_11, …); the closed form ({@link LossForm#CLOSED_FORM},
 * any M) assembles each pair's M x M matrix in registers and returns its exact gradients through the same GEMMs.
 */
public final class TupleObjectiveLoss {
    /** The largest M the graph form of GRAM expands explicitly. */
    public static final int GRAPH_MAX_MODALITIES = 4;
    private final TupleObjective objective;
    private final double labelSmoothing;
    private final int[] anchors;
    private final LossForm form;

    /**
     * @param objective      GRAM or TRIANGLE
     * @param labelSmoothing ε in [0, 1) ({@code --label_smoothing})
     * @param anchors        modality indices whose losses are averaged; null for every modality
     */
    public TupleObjectiveLoss(TupleObjective objective, double labelSmoothing, int[] anchors) {
        this(objective, labelSmoothing, anchors, LossForm.GRAPH);
    }

    private TupleObjectiveLoss(TupleObjective objective, double labelSmoothing, int[] anchors, LossForm form) {
        this.objective = Objects.requireNonNull(objective, "objective");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("--label_smoothing: expected a number in [0, 1), got " + labelSmoothing);
        }
        this.labelSmoothing = labelSmoothing;
        if (anchors != null) {
            if (anchors.length == 0 || Arrays.stream(anchors).distinct().count() != anchors.length) {
                throw new IllegalArgumentException("--anchors: expected distinct modalities, got "
                        + Arrays.toString(anchors));
            }
        }
        this.anchors = anchors == null ? null : anchors.clone();
        this.form = Objects.requireNonNull(form, "form");
    }

    /** The same loss in the given form. */
    public TupleObjectiveLoss withForm(LossForm newForm) {
        return new TupleObjectiveLoss(objective, labelSmoothing, anchors, newForm);
    }

    public TupleObjective objective() {
        return objective;
    }

    public LossForm form() {
        return form;
    }

    /** The loss as a plain function with its exact gradients (the closed form, any M). */
    public EagerLoss eager() {
        return new TupleObjectiveClosedForm(objective, labelSmoothing, anchors);
    }

    /**
     * The loss in graph {@code sd} over representations [B, d] (M of them) and the logit scale.
     *
     * @throws IllegalArgumentException for TRIANGLE with M ≠ 3, an anchor index out of range, or the graph form of
     *                                  GRAM beyond {@value #GRAPH_MAX_MODALITIES} modalities
     */
    public LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale) {
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(scale, "scale");
        GraphMath.checkReps(reps, objective.flag() + " loss");
        int m = reps.size();
        objective.checkModalities(m);
        long d = GraphMath.width(reps, -1, objective.flag() + " loss");
        if (d > 0) {
            objective.checkDimensions(m, d);
        }
        int[] chosen = anchorsOf(anchors, m);
        if (form == LossForm.CLOSED_FORM) {
            return new SurrogateLossGraph(sd, name, List.copyOf(reps), scale, eager(), objective.flag() + " loss");
        }
        if (objective == TupleObjective.GRAM && m > GRAPH_MAX_MODALITIES) {
            throw new IllegalArgumentException("--loss_fn gram: the graph form expands determinants up to M = "
                    + GRAPH_MAX_MODALITIES + ", got M = " + m + "; use the closed form");
        }
        return TupleObjectiveGraph.build(sd, name, reps, scale, objective, labelSmoothing, chosen);
    }

    /**
     * Checks that the objective is defined for M modalities and every anchor is one of them.
     *
     * @throws IllegalArgumentException naming {@code --loss_fn} or {@code --anchors}
     */
    public void checkModalities(int m) {
        objective.checkModalities(m);
        anchorsOf(anchors, m);
    }

    /** The chosen anchors, checked against M (every modality when null). */
    static int[] anchorsOf(int[] anchors, int m) {
        if (anchors == null) {
            int[] all = new int[m];
            Arrays.setAll(all, i -> i);
            return all;
        }
        for (int a : anchors) {
            if (a < 0 || a >= m) {
                throw new IllegalArgumentException("--anchors: modality index " + a + " is not among the " + m
                        + " modalities");
            }
        }
        return anchors;
    }

    /**
     * Zero-shot scores −s·S(candidate_c, q_1[i], …, q_{M−1}[i]) of every query tuple against every candidate of the
     * missing modality (the scores are symmetric in the order of the tuple).
     *
     * @param candidates [C, d]
     * @param queries    M − 1 arrays [Q, d]
     * @return [Q, C], in the candidates' type
     */
    public static INDArray zeroShotScores(TupleObjective objective, INDArray candidates, List<INDArray> queries,
                                          double logScale) {
        objective.checkModalities(queries.size() + 1);
        List<INDArray> q = new ArrayList<>();
        for (INDArray r : queries) {
            q.add(Shapes.contiguous(r.castTo(DataType.DOUBLE)));
        }
        // PairScores pairs row i of the anchor with column j of the others: anchor = candidates, columns = queries
        double[] sc = PairScores.of(objective, Shapes.contiguous(candidates.castTo(DataType.DOUBLE)), q).scores();
        int c = (int) candidates.rows();
        int n = (int) queries.get(0).rows();
        double s = Math.exp(logScale);
        double[][] out = new double[n][c];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < n; j++) {
                out[j][i] = -s * sc[i * n + j];
            }
        }
        return Nd4j.createFromArray(out).castTo(candidates.dataType());
    }

    /**
     * Scores −s·S(r_1[i], …, r_M[i]) of aligned tuples: row i of every modality forms one tuple (the diagonal of
     * {@link #zeroShotScores}).
     *
     * @param reps M arrays [B, d], same shape
     * @return [B], in the first representation's type
     */
    public static INDArray tupleScores(TupleObjective objective, List<INDArray> reps, double logScale) {
        int m = reps.size();
        objective.checkModalities(m);
        int b = (int) reps.get(0).rows();
        int d = (int) reps.get(0).columns();
        double[][] rows = new double[m][];
        for (int k = 0; k < m; k++) {
            rows[k] = reps.get(k).castTo(DataType.DOUBLE).dup('c').data().asDouble();
        }
        double s = Math.exp(logScale);
        double[] g = new double[m * m];
        double[] work = new double[2 * m * m];
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            int off = i * d;
            for (int u = 0; u < m; u++) {
                for (int v = u; v < m; v++) {
                    double dot = 0;
                    for (int t = 0; t < d; t++) {
                        dot += rows[u][off + t] * rows[v][off + t];
                    }
                    g[u * m + v] = dot;
                    g[v * m + u] = dot;
                }
            }
            out[i] = -s * objective.score(g, m, work, null);
        }
        return Nd4j.createFromArray(out).castTo(reps.get(0).dataType());
    }
}
