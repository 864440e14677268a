package org.symile.samediff;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-row passes of {@link TriadClosedForm} over one anchor's [B, B] pairs: scores into logits, the one-shift
 * exponentials, and the backward pass into the products' and vectors' gradients. Two implementations: plain
 * double loops ({@link #SCALAR}) and the JDK's Vector API ({@link VectorTriadRows}, loaded reflectively when the
 * JVM has {@code jdk.incubator.vector}; {@link SoftmaxRows#NO_VECTOR_PROPERTY} turns it off).
 *
 * <p>Pair (i, j) of the row reads α = alpha (the anchor row's squared norm), P1 = p1[base + j], P2 = p2[base + j]
 * and the candidates' c11[j], c22[j], c12[j]; see {@link TriadClosedForm} for the scores.
 */
interface TriadRows {
    Logger LOG = LoggerFactory.getLogger(TriadRows.class);

    /**
     * Writes the row's logits −s·S into logits[base, base + b), raises colMax[j] and adds to colTot[j].
     *
     * @return the row's largest logit
     */
    double scores(boolean gram, double alpha, double s, double[] p1, double[] p2, int base, double[] c11,
                  double[] c22, double[] c12, double[] logits, double[] colMax, double[] colTot, int b);

    /**
     * Replaces the row's logits l by exp(l − shift), adding each to colSum[j] and l·exp to colEz[j].
     *
     * @param out receives Σ_j exp and Σ_j l·exp
     */
    void exps(double shift, double[] logits, int base, double[] colSum, double[] colEz, int b, double[] out);

    /**
     * The row's ∂loss/∂S from its softmax numerators:
     * ds[j] = −s·(er[base + j]·ri + ec[base + j]·c·colInv[j] − off), where ri and colInv[j] are the row's and
     * column's reciprocal sums and c the cross-entropy weight (the target's own term is the caller's to add).
     */
    void weights(double[] er, double[] ec, int base, double ri, double c, double[] colInv, double s, double off,
                 double[] ds, int b);

    /**
     * Given ds[j] = ∂loss/∂S of the row's pairs (scratch: the call may overwrite it), writes ds·∂S/∂P1 to
     * w1[base + j] and ds·∂S/∂P2 to w2[base + j] (each product's orientation is read by one anchor at most, so
     * nothing is there to add to) and adds ds·∂S/∂c to dc11[j], dc22[j], dc12[j].
     *
     * @return Σ_j ds·∂S/∂α
     */
    double backward(boolean gram, double alpha, double[] p1, double[] p2, double[] w1, double[] w2, int base,
                    double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22, double[] dc12,
                    double[] ds, int b);

    /** Plain loops in double. */
    TriadRows SCALAR = new Scalar();

    /** The Vector API kernel when this JVM has it and it is not disabled, else {@link #SCALAR}. */
    static TriadRows best() {
        return Holder.VECTOR != null && SoftmaxRows.vectorised() ? Holder.VECTOR : SCALAR;
    }

    /** Loads the vector kernel once. */
    final class Holder {
        static final TriadRows VECTOR = load();

        private Holder() {
        }

        private static TriadRows load() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return null;
            }
            try {
                return (TriadRows) Class.forName("org.symile.samediff.VectorTriadRows").getDeclaredConstructor()
                        .newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("Vector API kernel for GRAM/TRIANGLE unavailable ({}); scalar loops", e.toString());
                return null;
            }
        }
    }

    /** {@link #SCALAR}. */
    final class Scalar implements TriadRows {
        @Override
        public double scores(boolean gram, double al, double s, double[] p1, double[] p2, int base, double[] c11,
                             double[] c22, double[] c12, double[] logits, double[] colMax, double[] colTot, int b) {
            return scores(gram, al, s, p1, p2, base, c11, c22, c12, logits, colMax, colTot, 0, b,
                    Double.NEGATIVE_INFINITY);
        }

        /**
         * {@link #scores} for pairs from..b−1 of the row, raising the running maximum {@code rm}; also the Vector
         * API kernel's tail (the lanes compute the same expressions, so a pair's logit is the same either way).
         */
        static double scores(boolean gram, double al, double s, double[] p1, double[] p2, int base, double[] c11,
                             double[] c22, double[] c12, double[] logits, double[] colMax, double[] colTot, int from,
                             int b, double rm) {
            for (int j = from; j < b; j++) {
                double x1 = p1[base + j];
                double x2 = p2[base + j];
                double l;
                if (gram) {
                    double det = al * (c11[j] * c22[j] - c12[j] * c12[j]) - c22[j] * x1 * x1 - c11[j] * x2 * x2
                            + 2 * c12[j] * x1 * x2;
                    l = -s * Math.sqrt(Math.max(Math.abs(det), TupleObjective.DET_FLOOR));
                } else {
                    double uu = al - 2 * x1 + c11[j];
                    double vv = al - 2 * x2 + c22[j];
                    double uv = al - x1 - x2 + c12[j];
                    l = -s * 0.5 * (uu * vv - uv * uv);
                }
                logits[base + j] = l;
                colMax[j] = Math.max(colMax[j], l);
                colTot[j] += l;
                rm = Math.max(rm, l);
            }
            return rm;
        }

        @Override
        public void exps(double shift, double[] logits, int base, double[] colSum, double[] colEz, int b,
                         double[] out) {
            double rs = 0;
            double rz = 0;
            for (int j = 0; j < b; j++) {
                double l = logits[base + j];
                double x = Math.exp(l - shift);
                colSum[j] += x;
                colEz[j] += x * l;
                rs += x;
                rz += x * l;
                logits[base + j] = x;
            }
            out[0] = rs;
            out[1] = rz;
        }

        @Override
        public void weights(double[] er, double[] ec, int base, double ri, double c, double[] colInv, double s,
                            double off, double[] ds, int b) {
            weights(er, ec, base, ri, c, colInv, s, off, ds, 0, b);
        }

        /** {@link #weights} for pairs from..b−1; also the Vector API kernel's tail. */
        static void weights(double[] er, double[] ec, int base, double ri, double c, double[] colInv, double s,
                            double off, double[] ds, int from, int b) {
            for (int j = from; j < b; j++) {
                ds[j] = -s * (er[base + j] * ri + ec[base + j] * c * colInv[j] - off);
            }
        }

        @Override
        public double backward(boolean gram, double al, double[] p1, double[] p2, double[] w1, double[] w2,
                               int base, double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22,
                               double[] dc12, double[] ds, int b) {
            return backward(gram, al, p1, p2, w1, w2, base, c11, c22, c12, dc11, dc22, dc12, ds, 0, b, 0.0);
        }

        /** {@link #backward} for pairs from..b−1, adding to the running sum; also the Vector API kernel's tail. */
        static double backward(boolean gram, double al, double[] p1, double[] p2, double[] w1, double[] w2, int base,
                               double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22, double[] dc12,
                               double[] ds, int from, int b, double sum) {
            for (int j = from; j < b; j++) {
                double x1 = p1[base + j];
                double x2 = p2[base + j];
                double a11 = c11[j];
                double a22 = c22[j];
                double a12 = c12[j];
                if (gram) {
                    double det = al * (a11 * a22 - a12 * a12) - a22 * x1 * x1 - a11 * x2 * x2 + 2 * a12 * x1 * x2;
                    double abs = Math.abs(det);
                    // ∂sqrt|det| = sign(det) / (2 sqrt|det|) · ∂det; nothing for a degenerate tuple
                    double f = abs >= TupleObjective.DET_FLOOR ? ds[j] * Math.signum(det) * 0.5 / Math.sqrt(abs) : 0;
                    w1[base + j] = f * 2 * (a12 * x2 - a22 * x1);
                    w2[base + j] = f * 2 * (a12 * x1 - a11 * x2);
                    dc11[j] += f * (al * a22 - x2 * x2);
                    dc22[j] += f * (al * a11 - x1 * x1);
                    dc12[j] += f * 2 * (x1 * x2 - al * a12);
                    sum += f * (a11 * a22 - a12 * a12);
                } else {
                    double d = ds[j];
                    double uu = al - 2 * x1 + a11;
                    double vv = al - 2 * x2 + a22;
                    double uv = al - x1 - x2 + a12;
                    w1[base + j] = d * (uv - vv);
                    w2[base + j] = d * (uv - uu);
                    dc11[j] += d * 0.5 * vv;
                    dc22[j] += d * 0.5 * uu;
                    dc12[j] -= d * uv;
                    sum += d * (0.5 * (uu + vv) - uv);
                }
            }
            return sum;
        }
    }
}
