package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The [R, C] scores of a {@link TupleObjective} between R anchor vectors and C paired candidate tuples, from the
 * tuples' pairwise dot products (see {@link TupleObjectiveLoss}), and their backward pass. DOUBLE, C-order inputs.
 */
final class PairScores {
    private final TupleObjective objective;
    private final INDArray anchor;
    private final List<INDArray> others;
    private final int m;
    private final int rows;
    private final int cols;
    /** |a_i|². */
    private final double[] alpha;
    /** P_k = a o_kᵀ, row-major [R, C], k = 0..M−2. */
    private final double[][] p;
    /** c_kl[j] = o_k[j] · o_l[j], index k·(M−1)+l. */
    private final double[][] c;
    private final double[] scores;

    private PairScores(TupleObjective objective, INDArray anchor, List<INDArray> others) {
        this.objective = objective;
        this.anchor = anchor;
        this.others = others;
        this.m = others.size() + 1;
        this.rows = (int) anchor.rows();
        this.cols = (int) others.get(0).rows();
        this.alpha = anchor.mul(anchor).sum(1).toDoubleVector();
        int n = m - 1;
        p = new double[n][];
        for (int k = 0; k < n; k++) {
            p[k] = Nd4j.gemm(anchor, others.get(k), false, true).reshape(-1).toDoubleVector();
        }
        c = new double[n * n][];
        for (int k = 0; k < n; k++) {
            for (int l = k; l < n; l++) {
                c[k * n + l] = others.get(k).mul(others.get(l)).sum(1).toDoubleVector();
                c[l * n + k] = c[k * n + l];
            }
        }
        scores = new double[rows * cols];
        double[] g = new double[m * m];
        double[] work = new double[2 * m * m];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                gram(i, j, g);
                scores[i * cols + j] = objective.score(g, m, work, null);
            }
        }
    }

    /** The scores of every anchor row against every candidate column. */
    static PairScores of(TupleObjective objective, INDArray anchor, List<INDArray> others) {
        return new PairScores(objective, anchor, others);
    }

    /** The scores, row-major [R, C] (a fresh copy each call). */
    double[] scores() {
        return scores.clone();
    }

    /** Pair (i, j)'s M x M Gram matrix. */
    private void gram(int i, int j, double[] g) {
        int n = m - 1;
        g[0] = alpha[i];
        for (int k = 0; k < n; k++) {
            double v = p[k][i * cols + j];
            g[1 + k] = v;
            g[(1 + k) * m] = v;
            for (int l = 0; l < n; l++) {
                g[(1 + k) * m + 1 + l] = c[k * n + l][j];
            }
        }
    }

    /**
     * The gradients of Σ dScores ⊙ S with respect to the anchor and each other modality ([R, d], then [C, d] each).
     * Each pair's ∂score/∂G is recomputed here rather than kept from the forward pass: keeping it would be the
     * [R, C, M, M] tensor this class exists to avoid, and dScores (a softmax over whole rows and columns) is only
     * known once every score is.
     */
    List<INDArray> backward(double[] dScores) {
        int n = m - 1;
        double[] g = new double[m * m];
        double[] dg = new double[m * m];
        double[] work = new double[2 * m * m];
        double[] w00 = new double[rows];
        double[][] w0 = new double[n][rows * cols];
        double[][] wc = new double[n * n][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double w = dScores[i * cols + j];
                if (w == 0) {
                    continue;
                }
                gram(i, j, g);
                objective.score(g, m, work, dg);
                w00[i] += w * dg[0];
                for (int k = 0; k < n; k++) {
                    // G_0k and G_k0 are both P_k[i, j]
                    w0[k][i * cols + j] = w * (dg[1 + k] + dg[(1 + k) * m]);
                    for (int l = 0; l < n; l++) {
                        wc[k * n + l][j] += w * dg[(1 + k) * m + 1 + l];
                    }
                }
            }
        }
        // ∂a = 2·w00 ⊙ a + Σ_k W_k o_k; ∂o_k = W_kᵀ a + Σ_l (wc_kl + wc_lk) ⊙ o_l
        INDArray dA = anchor.mulColumnVector(Nd4j.createFromArray(w00).reshape(rows, 1)).muli(2);
        List<INDArray> out = new ArrayList<>(m);
        out.add(dA);
        List<INDArray> wk = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            INDArray w = Nd4j.createFromArray(w0[k]).reshape(rows, cols);
            wk.add(w);
            dA.addi(Nd4j.gemm(w, others.get(k), false, false));
        }
        for (int k = 0; k < n; k++) {
            INDArray dO = Nd4j.gemm(wk.get(k), anchor, true, false);
            for (int l = 0; l < n; l++) {
                double[] coef = new double[cols];
                for (int j = 0; j < cols; j++) {
                    coef[j] = wc[k * n + l][j] + wc[l * n + k][j];
                }
                dO.addi(others.get(l).mulColumnVector(Nd4j.createFromArray(coef).reshape(cols, 1)));
            }
            out.add(dO);
        }
        return out;
    }
}
