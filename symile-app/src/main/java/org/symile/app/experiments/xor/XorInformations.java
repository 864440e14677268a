package org.symile.app.experiments.xor;

import java.util.ArrayList;
import java.util.List;

/**
 * Exact information terms of the binary XOR data (paper Fig. 3; upstream {@code informations.py}, spec §4), in
 * nats, by enumeration over integer-coded vectors.
 *
 * <p>a, b are uniform on {0,1}^d; with probability p̂ the selector is 1 and c = a XOR b, else c = a. So
 * p(c|a,b) = (1−p̂)·[c = a] + p̂·[c = a⊕b], which is non-zero for at most two c per (a, b): the enumeration costs
 * O(4^d) instead of upstream's O(8^d) table look-ups (seconds instead of ~1.5 h for d = 5). Terms with zero
 * probability are skipped (0·log 0 = 0), as upstream does.
 * <pre>
 *   I(a;c)   = 2^-d  Σ_{a,c} p(c|a) ln[p(c|a)/p(c)]
 *   I(b;c)   = 2^-d  Σ_{b,c} p(c|b) ln[p(c|b)/p(c)]
 *   I(a;b|c) = 4^-d  Σ_{a,b,c} p(c|a,b) ln[p(c|a,b) p(c) / (p(c|a) p(c|b))]
 *   I(c;b|a) = 4^-d  Σ_{a,b,c} p(c|a,b) ln[p(a|c,b) p(c|b) / (p(a|c) p(c))]
 *   TC       = I(a;c) + I(b;c) + I(a;b|c)
 * </pre>
 */
public final class XorInformations {
    /** Upstream's {@code type} names, in output order. */
    public static final List<String> TYPES = List.of("mi_a_c", "mi_b_c", "mi_a_b_given_c", "mi_c_b_given_a",
            "total_corr");

    /** Largest d_v accepted (4^d work and 2·4^d doubles of memory). */
    public static final int MAX_DV = 12;

    /** The five terms at one p̂. */
    public record Terms(double pHat, double miAC, double miBC, double miABGivenC, double miCBGivenA,
                        double totalCorrelation) {
        /** The terms in {@link #TYPES} order. */
        public double[] values() {
            return new double[] {miAC, miBC, miABGivenC, miCBGivenA, totalCorrelation};
        }
    }

    private XorInformations() {
    }

    /** Terms for p̂ = 0.0, 0.1, …, 1.0 (upstream's grid). */
    public static List<Terms> sweep(int dv) {
        List<Terms> out = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            out.add(compute(dv, i / 10.0));
        }
        return out;
    }

    /** Terms for one p̂. */
    public static Terms compute(int dv, double pHat) {
        if (dv < 1 || dv > MAX_DV) {
            throw new IllegalArgumentException("--d_v: expected 1.." + MAX_DV + ", got " + dv);
        }
        if (!(pHat >= 0 && pHat <= 1)) {
            throw new IllegalArgumentException("p_hat: expected a probability in [0, 1], got " + pHat);
        }
        int n = 1 << dv;
        double inv = 1.0 / n;
        double[] pcA = new double[n * n]; // [a*n + c]
        double[] pcB = new double[n * n]; // [b*n + c]
        double[] pc = new double[n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                int x = a ^ b;
                add(pcA, pcB, pc, a, b, a, 1 - pHat, inv);
                add(pcA, pcB, pc, a, b, x, pHat, inv);
            }
        }
        double miAC = 0;
        double miBC = 0;
        for (int u = 0; u < n; u++) {
            for (int c = 0; c < n; c++) {
                double pa = pcA[u * n + c];
                if (pa > 0) {
                    miAC += pa * Math.log(pa / pc[c]);
                }
                double pb = pcB[u * n + c];
                if (pb > 0) {
                    miBC += pb * Math.log(pb / pc[c]);
                }
            }
        }
        miAC *= inv;
        miBC *= inv;
        double miABgC = 0;
        double miCBgA = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                int x = a ^ b;
                for (int c : x == a ? new int[] {a} : new int[] {a, x}) {
                    double p = (c == a ? 1 - pHat : 0) + (c == x ? pHat : 0);
                    if (p <= 0) {
                        continue;
                    }
                    double pa = pcA[a * n + c];
                    double pb = pcB[b * n + c];
                    miABgC += p * Math.log(p * pc[c] / (pa * pb));
                    double pAgivenCB = inv * p / pb;
                    double pAgivenC = inv * pa / pc[c];
                    miCBgA += p * Math.log(pAgivenCB * pb / (pAgivenC * pc[c]));
                }
            }
        }
        miABgC *= inv * inv;
        miCBgA *= inv * inv;
        return new Terms(pHat, miAC, miBC, miABgC, miCBgA, miAC + miBC + miABgC);
    }

    private static void add(double[] pcA, double[] pcB, double[] pc, int a, int b, int c, double p, double inv) {
        if (p <= 0) {
            return;
        }
        int n = pc.length;
        pcA[a * n + c] += inv * p;
        pcB[b * n + c] += inv * p;
        pc[c] += inv * inv * p;
    }
}
