package org.symile.samediff;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link TriadRows} on the Vector API, in double precision, the platform's widest vectors. Loaded reflectively
 * (see {@link TriadRows#best()}), only when the JVM has {@code jdk.incubator.vector}.
 *
 * <p>Reproducible to the bit, as {@link VectorSoftmaxRow}: exp is a fixed polynomial written with exact IEEE
 * operations (the Vector API's own {@code EXP} differs between compiled and interpreted code), sums are reduced in
 * a fixed lane order, and the rows' tails are the scalar kernel's loops, whose expressions the lanes compute.
 */
final class VectorTriadRows implements TriadRows {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    /** 1.5·2^52: adding it rounds a double of magnitude below 2^51 to an integer in the low mantissa bits. */
    private static final double ROUND = 6755399441055744.0;
    private static final long ROUND_BITS = Double.doubleToRawLongBits(ROUND);
    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 6.93145751953125E-1;
    private static final double LN2_LO = 1.42860682030941723212E-6;
    /** Below this exp is clamped to exp(MIN_X), a normal double; only shifted logits reach here (x ≤ 0). */
    private static final double MIN_X = -708.0;
    /** 1/k! for k = 12 down to 0: exp(r) on |r| ≤ ln2/2 to a relative 2e-16. */
    private static final double[] P = new double[13];

    static {
        double f = 1;
        for (int k = 1; k <= 12; k++) {
            f *= k;
        }
        for (int k = 12; k >= 0; k--) {
            P[12 - k] = 1 / f;
            f = k == 0 ? 1 : f / k;
        }
    }

    @Override
    public double scores(boolean gram, double al, double s, double[] p1, double[] p2, int base, double[] c11,
                         double[] c22, double[] c12, double[] logits, double[] colMax, double[] colTot, int b) {
        int bound = S.loopBound(b);
        // one small method per objective: C2 intrinsifies the vector operations only where it inlines all of them
        double rm = gram ? gramScores(al, s, p1, p2, base, c11, c22, c12, logits, colMax, colTot, bound)
                : triangleScores(al, s, p1, p2, base, c11, c22, c12, logits, colMax, colTot, bound);
        return TriadRows.Scalar.scores(gram, al, s, p1, p2, base, c11, c22, c12, logits, colMax, colTot, bound, b,
                rm);
    }

    private static double gramScores(double al, double s, double[] p1, double[] p2, int base, double[] c11,
                                     double[] c22, double[] c12, double[] logits, double[] colMax, double[] colTot,
                                     int bound) {
        DoubleVector vmax = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < bound; j += S.length()) {
            DoubleVector x1 = DoubleVector.fromArray(S, p1, base + j);
            DoubleVector x2 = DoubleVector.fromArray(S, p2, base + j);
            DoubleVector a11 = DoubleVector.fromArray(S, c11, j);
            DoubleVector a22 = DoubleVector.fromArray(S, c22, j);
            DoubleVector a12 = DoubleVector.fromArray(S, c12, j);
            DoubleVector det = a11.mul(a22).sub(a12.mul(a12)).mul(al).sub(a22.mul(x1).mul(x1))
                    .sub(a11.mul(x2).mul(x2)).add(a12.mul(2).mul(x1).mul(x2));
            DoubleVector l = det.abs().max(TupleObjective.DET_FLOOR).sqrt().mul(-s);
            vmax = store(l, logits, base + j, colMax, colTot, j, vmax);
        }
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    private static double triangleScores(double al, double s, double[] p1, double[] p2, int base, double[] c11,
                                         double[] c22, double[] c12, double[] logits, double[] colMax,
                                         double[] colTot, int bound) {
        DoubleVector vmax = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < bound; j += S.length()) {
            DoubleVector x1 = DoubleVector.fromArray(S, p1, base + j);
            DoubleVector x2 = DoubleVector.fromArray(S, p2, base + j);
            DoubleVector uu = x1.mul(-2).add(al).add(DoubleVector.fromArray(S, c11, j));
            DoubleVector vv = x2.mul(-2).add(al).add(DoubleVector.fromArray(S, c22, j));
            DoubleVector uv = x1.neg().add(al).sub(x2).add(DoubleVector.fromArray(S, c12, j));
            DoubleVector l = uu.mul(vv).sub(uv.mul(uv)).mul(-s * 0.5);
            vmax = store(l, logits, base + j, colMax, colTot, j, vmax);
        }
        return vmax.reduceLanes(VectorOperators.MAX);
    }

    /** Writes the logits, raises the column maxima, adds to the column totals; returns the raised row maximum. */
    private static DoubleVector store(DoubleVector l, double[] logits, int at, double[] colMax, double[] colTot, int j,
                                      DoubleVector vmax) {
        l.intoArray(logits, at);
        DoubleVector.fromArray(S, colMax, j).max(l).intoArray(colMax, j);
        DoubleVector.fromArray(S, colTot, j).add(l).intoArray(colTot, j);
        return vmax.max(l);
    }

    @Override
    public void exps(double shift, double[] logits, int base, double[] colSum, double[] colEz, int b,
                     double[] out) {
        int lanes = S.length();
        int bound = S.loopBound(b);
        DoubleVector vs = DoubleVector.zero(S);
        DoubleVector vz = DoubleVector.zero(S);
        for (int j = 0; j < bound; j += lanes) {
            DoubleVector l = DoubleVector.fromArray(S, logits, base + j);
            DoubleVector x = exp(l.sub(shift));
            DoubleVector xl = x.mul(l);
            DoubleVector.fromArray(S, colSum, j).add(x).intoArray(colSum, j);
            DoubleVector.fromArray(S, colEz, j).add(xl).intoArray(colEz, j);
            vs = vs.add(x);
            vz = vz.add(xl);
            x.intoArray(logits, base + j);
        }
        double rs = ordered(vs);
        double rz = ordered(vz);
        for (int j = bound; j < b; j++) {
            double l = logits[base + j];
            double x = exp(l - shift);
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
        int bound = S.loopBound(b);
        for (int j = 0; j < bound; j += S.length()) {
            DoubleVector r = DoubleVector.fromArray(S, er, base + j).mul(ri);
            DoubleVector k = DoubleVector.fromArray(S, ec, base + j).mul(c).mul(DoubleVector.fromArray(S, colInv, j));
            r.add(k).sub(off).mul(-s).intoArray(ds, j);
        }
        TriadRows.Scalar.weights(er, ec, base, ri, c, colInv, s, off, ds, bound, b);
    }

    @Override
    public double backward(boolean gram, double al, double[] p1, double[] p2, double[] w1, double[] w2, int base,
                           double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22, double[] dc12,
                           double[] ds, int b) {
        int bound = S.loopBound(b);
        double sum = gram ? gramBackward(al, p1, p2, w1, w2, base, c11, c22, c12, dc11, dc22, dc12, ds, bound)
                : triangleBackward(al, p1, p2, w1, w2, base, c11, c22, c12, dc11, dc22, dc12, ds, bound);
        return TriadRows.Scalar.backward(gram, al, p1, p2, w1, w2, base, c11, c22, c12, dc11, dc22, dc12, ds, bound, b,
                sum);
    }

    private static double gramBackward(double al, double[] p1, double[] p2, double[] w1, double[] w2, int base,
                                       double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22,
                                       double[] dc12, double[] ds, int bound) {
        // two small loops rather than one: C2 inlines (and so intrinsifies) every vector operation of each
        gramFactors(al, p1, p2, base, c11, c22, c12, ds, bound);
        return gramSpread(al, p1, p2, w1, w2, base, c11, c22, c12, dc11, dc22, dc12, ds, bound);
    }

    /** ds[j] becomes ds[j]·∂S/∂det = ds[j]·sign(det) / (2 sqrt|det|), 0 for a degenerate tuple. */
    private static void gramFactors(double al, double[] p1, double[] p2, int base, double[] c11, double[] c22,
                                    double[] c12, double[] ds, int bound) {
        for (int j = 0; j < bound; j += S.length()) {
            DoubleVector x1 = DoubleVector.fromArray(S, p1, base + j);
            DoubleVector x2 = DoubleVector.fromArray(S, p2, base + j);
            DoubleVector a11 = DoubleVector.fromArray(S, c11, j);
            DoubleVector a22 = DoubleVector.fromArray(S, c22, j);
            DoubleVector a12 = DoubleVector.fromArray(S, c12, j);
            DoubleVector det = a11.mul(a22).sub(a12.mul(a12)).mul(al).sub(a22.mul(x1).mul(x1))
                    .sub(a11.mul(x2).mul(x2)).add(a12.mul(2).mul(x1).mul(x2));
            DoubleVector abs = det.abs();
            VectorMask<Double> live = abs.compare(VectorOperators.GE, TupleObjective.DET_FLOOR);
            DoubleVector sign = DoubleVector.broadcast(S, 1.0).blend(-1.0, det.compare(VectorOperators.LT, 0));
            DoubleVector f = DoubleVector.fromArray(S, ds, j).mul(sign).mul(0.5).div(abs.sqrt());
            DoubleVector.zero(S).blend(f, live).intoArray(ds, j);
        }
    }

    /** The pairs' gradients from the factors ds (see {@link #gramFactors}). */
    private static double gramSpread(double al, double[] p1, double[] p2, double[] w1, double[] w2, int base,
                                     double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22,
                                     double[] dc12, double[] ds, int bound) {
        DoubleVector vsum = DoubleVector.zero(S);
        for (int j = 0; j < bound; j += S.length()) {
            DoubleVector x1 = DoubleVector.fromArray(S, p1, base + j);
            DoubleVector x2 = DoubleVector.fromArray(S, p2, base + j);
            DoubleVector a11 = DoubleVector.fromArray(S, c11, j);
            DoubleVector a22 = DoubleVector.fromArray(S, c22, j);
            DoubleVector a12 = DoubleVector.fromArray(S, c12, j);
            DoubleVector f = DoubleVector.fromArray(S, ds, j);
            a12.mul(x2).sub(a22.mul(x1)).mul(2).mul(f).intoArray(w1, base + j);
            a12.mul(x1).sub(a11.mul(x2)).mul(2).mul(f).intoArray(w2, base + j);
            add(x2.mul(x2).neg().add(a22.mul(al)).mul(f), dc11, j);
            add(x1.mul(x1).neg().add(a11.mul(al)).mul(f), dc22, j);
            add(x1.mul(x2).sub(a12.mul(al)).mul(2).mul(f), dc12, j);
            vsum = vsum.add(a11.mul(a22).sub(a12.mul(a12)).mul(f));
        }
        return ordered(vsum);
    }

    private static double triangleBackward(double al, double[] p1, double[] p2, double[] w1, double[] w2, int base,
                                           double[] c11, double[] c22, double[] c12, double[] dc11, double[] dc22,
                                           double[] dc12, double[] ds, int bound) {
        DoubleVector vsum = DoubleVector.zero(S);
        for (int j = 0; j < bound; j += S.length()) {
            DoubleVector x1 = DoubleVector.fromArray(S, p1, base + j);
            DoubleVector x2 = DoubleVector.fromArray(S, p2, base + j);
            DoubleVector d = DoubleVector.fromArray(S, ds, j);
            DoubleVector uu = x1.mul(-2).add(al).add(DoubleVector.fromArray(S, c11, j));
            DoubleVector vv = x2.mul(-2).add(al).add(DoubleVector.fromArray(S, c22, j));
            DoubleVector uv = x1.neg().add(al).sub(x2).add(DoubleVector.fromArray(S, c12, j));
            uv.sub(vv).mul(d).intoArray(w1, base + j);
            uv.sub(uu).mul(d).intoArray(w2, base + j);
            add(vv.mul(0.5).mul(d), dc11, j);
            add(uu.mul(0.5).mul(d), dc22, j);
            add(uv.neg().mul(d), dc12, j);
            vsum = vsum.add(uu.add(vv).mul(0.5).sub(uv).mul(d));
        }
        return ordered(vsum);
    }

    /** a[at .. at + lanes) += v. */
    private static void add(DoubleVector v, double[] a, int at) {
        DoubleVector.fromArray(S, a, at).add(v).intoArray(a, at);
    }

    /** The lanes' sum, lane 0 first. */
    private static double ordered(DoubleVector v) {
        double s = 0;
        for (int i = 0; i < S.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** exp(x) lane by lane for x ≤ 0: x = n·ln 2 + r, |r| ≤ ln2/2, exp(r) by its degree-12 Taylor polynomial. */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector xc = x.max(MIN_X);
        DoubleVector k = xc.mul(LOG2E).add(ROUND);
        DoubleVector t = k.sub(ROUND);
        LongVector n = k.reinterpretAsLongs().sub(ROUND_BITS);
        DoubleVector r = t.fma(DoubleVector.broadcast(S, -LN2_HI), xc);
        r = t.fma(DoubleVector.broadcast(S, -LN2_LO), r);
        DoubleVector p = DoubleVector.broadcast(S, P[0]);
        for (int i = 1; i < P.length; i++) {
            p = p.fma(r, DoubleVector.broadcast(S, P[i]));
        }
        return p.mul(n.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles());
    }

    /** The same computation for one double, operation for operation, so tails match the vector lanes. */
    static double exp(double x) {
        double xc = Math.max(x, MIN_X);
        double k = xc * LOG2E + ROUND;
        double t = k - ROUND;
        long n = Double.doubleToRawLongBits(k) - ROUND_BITS;
        double r = Math.fma(t, -LN2_HI, xc);
        r = Math.fma(t, -LN2_LO, r);
        double p = P[0];
        for (int i = 1; i < P.length; i++) {
            p = Math.fma(p, r, P[i]);
        }
        return p * Double.longBitsToDouble((n + 1023) << 52);
    }
}
