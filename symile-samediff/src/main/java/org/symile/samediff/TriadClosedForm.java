package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GRAM and TRIANGLE for M = 3 in closed form: {@link TupleObjectiveClosedForm}'s loss with the three modalities'
 * [B, B] products shared by every anchor and each pair's score written out.
 *
 * <p>With x_0, x_1, x_2 [B, d], the three GEMMs Q_kl = x_k x_lᵀ (k &lt; l), the squared norms n_k and the paired
 * products e_kl[j] = x_k[j] · x_l[j], anchor a's pair (i, j) has the Gram entries α = n_a[i],
 * P_k = x_a[i] · o_k[j] (an entry of Q_{a o_k} or of its transpose), c_kk = n_{o_k}[j], c_12 = e_{o_1 o_2}[j]:
 * <pre>
 *   GRAM:     det = α(c11 c22 − c12²) − c22 P1² − c11 P2² + 2 c12 P1 P2,  S = sqrt(max(|det|, floor))
 *   TRIANGLE: uu = α − 2P1 + c11, vv = α − 2P2 + c22, uv = α − P1 − P2 + c12,  S = (uu·vv − uv²) / 2
 * </pre>
 * Logits L = −s·S enter the row and column cross-entropies (label smoothing ε) in one pass of exponentials; the
 * loss's derivatives with respect to the entries of each Q_kl are summed over the anchors that read it, so the
 * backward pass is six GEMMs for any number of anchors (the official formulation, and PyTorch's fast one, take
 * two products per anchor forward and four back). Everything between the GEMMs is double precision.
 */
final class TriadClosedForm implements EagerLoss {
    private final TupleObjective objective;
    private final double eps;
    private final int[] anchors;
    /**
     * [B, B]: Q01, Q02, Q12, their gradients W01, W02, W12, and one for a transposed product or its gradient at
     * narrow widths. [B, d]: the three gradients.
     */
    private final ClosedFormScratch scratch = new ClosedFormScratch(7, 3);
    /**
     * Below this width a transposed product is its own GEMM (and a transposed gradient two more GEMMs) rather than a
     * tiled transpose of a [B, B] array, which costs more than a d = 16 GEMM (as in {@link ClipClosedForm}).
     */
    static final long WIDE = 64;
    /** The modalities (k, l) of product p = k + l − 1. */
    private static final int[] PAIR_K = {0, 0, 1};
    private static final int[] PAIR_L = {1, 2, 2};
    /** The step's representations, for the transposed products' GEMMs. */
    private List<INDArray> xs;
    private boolean narrow;
    private double[][] q;
    private double[][] w;
    private double[][] qT;
    private double[][] wT;
    private double[] er;
    private double[] ec;
    private float[] floats;

    TriadClosedForm(TupleObjective objective, double labelSmoothing, int[] anchors) {
        this.objective = objective;
        this.eps = labelSmoothing;
        this.anchors = anchors;
    }

    @Override
    public LossGradients compute(List<INDArray> reps, double logScale, Permutations unused) {
        return run(reps, logScale, true);
    }

    @Override
    public double value(List<INDArray> reps, double logScale, Permutations unused) {
        return run(reps, logScale, false).loss();
    }

    private LossGradients run(List<INDArray> reps, double logScale, boolean gradients) {
        Shapes.checkEager(reps, objective.flag() + " loss");
        objective.checkDimensions(reps.size(), reps.get(0).columns());
        int[] chosen = TupleObjectiveLoss.anchorsOf(anchors, 3);
        int b = (int) reps.get(0).rows();
        long d = reps.get(0).columns();
        DataType dt = reps.get(0).dataType();
        scratch.fit(dt, b, d);
        fitArrays(b);
        List<INDArray> x = new ArrayList<>(3);
        for (INDArray r : reps) {
            x.add(Shapes.contiguous(r));
        }
        // norms and paired products in double from the values themselves (six small ND4J reductions cost more)
        double[][] flat = new double[3][];
        double[][] n = new double[3][];
        for (int k = 0; k < 3; k++) {
            flat[k] = x.get(k).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            n[k] = rowDots(flat[k], flat[k], b, (int) d);
        }
        // e[k + l - 1] = e_kl: e01, e02, e12
        double[][] e = new double[3][];
        for (int k = 0, p = 0; k < 3; k++) {
            for (int l = k + 1; l < 3; l++, p++) {
                INDArray qkl = scratch.square(p);
                Nd4j.gemm(x.get(k), x.get(l), qkl, false, true, 1.0, 0.0);
                SquareArrays.read(qkl, q[p], floats);
                e[k + l - 1] = rowDots(flat[k], flat[l], b, (int) d);
            }
        }
        double[][] dn = new double[3][b];
        double[][] de = new double[3][b];
        double s = Math.exp(logScale);
        double loss = 0;
        double gradLog = 0;
        boolean[] transposed = new boolean[3];
        // which of w (Q_kl's orientation) and wT (its transpose's) an anchor wrote: each is written by one at most
        boolean[] wn = new boolean[3];
        boolean[] wt = new boolean[3];
        xs = x;
        narrow = d < WIDE;
        for (int a : chosen) {
            Anchor an = new Anchor(a, n, e);
            double weight = 1.0 / chosen.length;
            // the anchor's products along its rows: Q itself, or its transpose where the anchor is Q's column side
            double[] p1 = an.t1 ? transposedQ(an.q1, transposed, b) : q[an.q1];
            double[] p2 = an.t2 ? transposedQ(an.q2, transposed, b) : q[an.q2];
            double[] sums = forward(p1, p2, an, b, s);
            double c = weight * 0.5 / b;
            // Σ_i (lse − L_ii) over rows and columns, plus ε·(L_ii − mean) in each direction
            loss += c * (sums[0] + 2 * eps * (sums[2] - sums[3] / b));
            // Σ_ij ∂loss/∂L_ij · L_ij = ∂loss/∂log s
            gradLog += c * (sums[1] - 2 * (1 - eps) * sums[2] - 2 * eps * sums[3] / b);
            if (gradients) {
                backward(p1, p2, gradientOf(an.q1, an.t1, wn, wt), gradientOf(an.q2, an.t2, wn, wt), an, b, s, c, dn,
                        de);
            }
        }
        if (!gradients) {
            return new LossGradients(loss, List.of(), Double.NaN);
        }
        if (!narrow) {
            for (int p = 0; p < 3; p++) {
                if (wt[p] && wn[p]) {
                    SquareArrays.addTranspose(wT[p], w[p], b);
                } else if (wt[p]) {
                    SquareArrays.transpose(wT[p], w[p], b);
                    wn[p] = true;
                }
                wt[p] = false;
            }
        }
        return new LossGradients(loss, gradientsOf(x, b, dn, de, wn, wt), gradLog);
    }

    /** Σ_c u[i, c]·v[i, c] for each row i of two row-major [B, d] arrays. */
    private static double[] rowDots(double[] u, double[] v, int b, int d) {
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            double sum = 0;
            for (int c = i * d, end = c + d; c < end; c++) {
                sum += u[c] * v[c];
            }
            out[i] = sum;
        }
        return out;
    }

    /** Which Q (and orientation) and which vectors anchor a's pairs read. */
    private static final class Anchor {
        final double[] alpha;
        final double[] c11;
        final double[] c22;
        final double[] c12;
        /** The Q index of P1 and P2, and whether the anchor is Q's column side (the entry is Q[j, i]). */
        final int q1;
        final int q2;
        final boolean t1;
        final boolean t2;
        final int o1;
        final int o2;
        final int a;

        Anchor(int a, double[][] n, double[][] e) {
            this.a = a;
            this.o1 = a == 0 ? 1 : 0;
            this.o2 = a == 2 ? 1 : 2;
            alpha = n[a];
            c11 = n[o1];
            c22 = n[o2];
            c12 = e[o1 + o2 - 1];
            q1 = Math.min(a, o1) + Math.max(a, o1) - 1;
            q2 = Math.min(a, o2) + Math.max(a, o2) - 1;
            t1 = a > o1;
            t2 = a > o2;
        }
    }

    /**
     * Fills er (and, when the logits span too wide a range for one shift, ec) with the softmax numerators and
     * returns {Σ (lse − L_ii) over rows and columns, Σ over rows and columns of Σ_j softmax_ij L_ij, trace L, Σ L}.
     */
    private double[] forward(double[] p1, double[] p2, Anchor an, int b, double s) {
        double[] logits = er;
        double[] colMax = new double[b];
        double[] colTot = new double[b];
        double[] rowMax = new double[b];
        java.util.Arrays.fill(colMax, Double.NEGATIVE_INFINITY);
        boolean gram = objective == TupleObjective.GRAM;
        TriadRows rows = TriadRows.best();
        scores(rows, gram, an, s, p1, p2, logits, rowMax, colMax, colTot, b);
        double top = Double.NEGATIVE_INFINITY;
        double bottom = Double.POSITIVE_INFINITY;
        double trace = 0;
        double total = 0;
        double[] diag = new double[b];
        for (int i = 0; i < b; i++) {
            top = Math.max(top, rowMax[i]);
            bottom = Math.min(bottom, Math.min(rowMax[i], colMax[i]));
            diag[i] = logits[i * b + i];
            trace += diag[i];
            total += colTot[i];
        }
        double[] rowSum = new double[b];
        double[] colSum = new double[b];
        double[] rowEz = new double[b];
        double[] colEz = new double[b];
        // one exponential per entry, shifted by the largest logit, serves rows and columns alike while every row's
        // and column's largest term stays far above double's underflow (e^-600); otherwise each its own shift
        oneShift = top - bottom < 600;
        if (oneShift) {
            exps(rows, top, logits, rowSum, rowEz, colSum, colEz, b);
        } else {
            for (int i = 0; i < b; i++) {
                twoShifts(logits, i * b, rowMax[i], colMax, colSum, colEz, rowSum, rowEz, i, b);
            }
        }
        double lse = 0;
        double ez = 0;
        for (int i = 0; i < b; i++) {
            lse += (oneShift ? top : rowMax[i]) + Math.log(rowSum[i]) - diag[i];
            lse += (oneShift ? top : colMax[i]) + Math.log(colSum[i]) - diag[i];
            ez += rowEz[i] / rowSum[i] + colEz[i] / colSum[i];
            rowSum[i] = 1 / rowSum[i];
            colSum[i] = 1 / colSum[i];
        }
        rowInv = rowSum;
        colInv = colSum;
        return new double[] {lse, ez, trace, total};
    }

    /** Every row's logits into logits and rowMax, raising colMax and adding to colTot (see {@link #exps}). */
    private static void scores(TriadRows rows, boolean gram, Anchor an, double s, double[] p1, double[] p2,
                               double[] logits, double[] rowMax, double[] colMax, double[] colTot, int b) {
        for (int i = 0; i < b; i++) {
            rowMax[i] = rows.scores(gram, an.alpha[i], s, p1, p2, i * b, an.c11, an.c22, an.c12, logits, colMax,
                    colTot, b);
        }
    }

    /**
     * The one-shift exponentials, row by row. Its own small method, as the row loops of {@link #scores} and
     * {@link #backward}: C2 intrinsifies the kernel's vector operations only when its compilation unit has room to
     * inline all of them, and inlined into a larger caller it sometimes fell back to boxed per-lane code (10x slower).
     */
    private static void exps(TriadRows rows, double top, double[] logits, double[] rowSum, double[] rowEz,
                             double[] colSum, double[] colEz, int b) {
        double[] out = new double[2];
        for (int i = 0; i < b; i++) {
            rows.exps(top, logits, i * b, colSum, colEz, b, out);
            rowSum[i] = out[0];
            rowEz[i] = out[1];
        }
    }

    /** Row i's exponentials shifted by its own maximum (into logits) and by each column's (into ec). */
    private void twoShifts(double[] logits, int base, double rm, double[] colMax, double[] colSum, double[] colEz,
                           double[] rowSum, double[] rowEz, int i, int b) {
        double rs = 0;
        double rz = 0;
        for (int j = 0; j < b; j++) {
            double l = logits[base + j];
            double x = Math.exp(l - rm);
            double y = Math.exp(l - colMax[j]);
            ec[base + j] = y;
            colSum[j] += y;
            colEz[j] += y * l;
            rs += x;
            rz += x * l;
            logits[base + j] = x;
        }
        rowSum[i] = rs;
        rowEz[i] = rz;
    }

    private double[] rowInv;
    private double[] colInv;
    private boolean oneShift;

    /** Q_p's transpose, computed once per step. */
    private double[] transposedQ(int p, boolean[] done, int b) {
        if (!done[p]) {
            if (narrow) {
                INDArray qlk = scratch.square(6);
                Nd4j.gemm(xs.get(PAIR_L[p]), xs.get(PAIR_K[p]), qlk, false, true, 1.0, 0.0);
                SquareArrays.read(qlk, qT[p], floats);
            } else {
                SquareArrays.transpose(q[p], qT[p], b);
            }
            done[p] = true;
        }
        return qT[p];
    }

    /**
     * Where the gradient of Q_p read in the given orientation accumulates (the transposed one: added to w at the end,
     * or at narrow widths through its own GEMMs).
     */
    private double[] gradientOf(int p, boolean transposed, boolean[] plain, boolean[] flipped) {
        (transposed ? flipped : plain)[p] = true;
        return transposed ? wT[p] : w[p];
    }

    /**
     * Writes ∂loss/∂P1 into w1 and ∂loss/∂P2 into w2 (both in the anchor's orientation) and ∂loss/∂n,
     * ∂loss/∂e for anchor an with cross-entropy weight c.
     */
    private void backward(double[] p1, double[] p2, double[] w1, double[] w2, Anchor an, int b, double s, double c,
                          double[][] dn, double[][] de) {
        double[] dAlpha = dn[an.a];
        double[] dc11 = dn[an.o1];
        double[] dc22 = dn[an.o2];
        double[] dc12 = de[an.o1 + an.o2 - 1];
        double[] c11 = an.c11;
        double[] c22 = an.c22;
        double[] c12 = an.c12;
        double off = 2 * c * eps / b;
        double[] ecol = oneShift ? er : ec;
        double[] da = new double[b];
        TriadRows rows = TriadRows.best();
        for (int i = 0; i < b; i++) {
            double al = an.alpha[i];
            int base = i * b;
            rows.weights(er, ecol, base, c * rowInv[i], c, colInv, s, off, da, b);
            // the target's own term: −(1 − ε) in the row's and in the column's cross-entropy
            da[i] += s * 2 * c * (1 - eps);
            double sum = rows.backward(objective == TupleObjective.GRAM, al, p1, p2, w1, w2, base, c11, c22, c12,
                    dc11, dc22, dc12, da, b);
            dAlpha[i] += sum;
        }
    }

    /** ∂x_k = Σ_l W_kl x_l (or W_lkᵀ x_l) + 2 dn_k ⊙ x_k + Σ_l de_kl ⊙ x_l. */
    private List<INDArray> gradientsOf(List<INDArray> x, int b, double[][] dn, double[][] de, boolean[] plain,
                                       boolean[] transposed) {
        List<INDArray> out = new ArrayList<>(3);
        DataType dt = x.get(0).dataType();
        for (int k = 0; k < 3; k++) {
            INDArray g = scratch.matrix(k);
            g.assign(x.get(k).mulColumnVector(column(dn[k], dt, b)).muli(2));
            out.add(g);
        }
        for (int k = 0, p = 0; k < 3; k++) {
            for (int l = k + 1; l < 3; l++, p++) {
                if (plain[p]) {
                    INDArray wkl = scratch.square(3 + p);
                    SquareArrays.write(w[p], wkl, floats);
                    Nd4j.gemm(wkl, x.get(l), out.get(k), false, false, 1.0, 1.0);
                    Nd4j.gemm(wkl, x.get(k), out.get(l), true, false, 1.0, 1.0);
                }
                if (transposed[p]) {
                    // the gradient with respect to Q_lk = Q_klᵀ: ∂x_l += W' x_k, ∂x_k += W'ᵀ x_l
                    INDArray wlk = scratch.square(6);
                    SquareArrays.write(wT[p], wlk, floats);
                    Nd4j.gemm(wlk, x.get(k), out.get(l), false, false, 1.0, 1.0);
                    Nd4j.gemm(wlk, x.get(l), out.get(k), true, false, 1.0, 1.0);
                }
                INDArray col = column(de[k + l - 1], dt, b);
                out.get(k).addi(x.get(l).mulColumnVector(col));
                out.get(l).addi(x.get(k).mulColumnVector(col));
            }
        }
        return out;
    }

    private static INDArray column(double[] v, DataType dt, int b) {
        return Nd4j.createFromArray(v).castTo(dt).reshape(b, 1);
    }

    private void fitArrays(int b) {
        int bb = b * b;
        if (er != null && er.length == bb) {
            return;
        }
        q = new double[3][bb];
        w = new double[3][bb];
        qT = new double[3][bb];
        wT = new double[3][bb];
        er = new double[bb];
        ec = new double[bb];
        floats = new float[bb];
    }
}
