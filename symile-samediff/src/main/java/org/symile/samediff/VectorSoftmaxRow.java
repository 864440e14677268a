package org.symile.samediff;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 row of {@link SoftmaxRows} on the Vector API: max, then exp/sum, then scale, each one pass over the
 * row (copied to a heap array) in the platform's widest float vectors. Loaded reflectively, only when the JVM has
 * {@code jdk.incubator.vector}, so that the library still runs without it.
 *
 * <p>Reproducible to the bit: every operation used has one defined result whether the JIT has compiled this code
 * or not. The Vector API's own {@code EXP} does not (compiled, it is Intel SVML's; interpreted, a per-lane
 * {@code Math.exp}; the last bit differs, and a resumed run drifted from an uninterrupted one), nor does its
 * {@code ADD} reduction (order unspecified). So exp is Cephes' expf polynomial written with exact IEEE
 * operations (multiply, add, fused multiply-add, the 1.5·2^23 rounding trick, an exponent-field shift; relative
 * error below 1e-7, as fast as SVML here: 0.3 ms per 2^20 floats), and sums are reduced in a fixed lane order.
 */
final class VectorSoftmaxRow implements SoftmaxRows.RowKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer held in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Below this, exp is clamped (to 2^-126·…, a normal float); only shifted logits reach here, so x ≤ 0. */
    private static final float MIN_X = -87.3f;
    private static final float[] P = {1.9875691500E-4f, 1.3981999507E-3f, 8.3334519073E-3f, 4.1665795894E-2f,
        1.6666665459E-1f, 5.0000001201E-1f};

    @Override
    public void row(float[] row, int n, int target, double coef, double[] out) {
        float zt = row[target];
        int lanes = S.length();
        int bound = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < bound; j += lanes) {
            vmax = vmax.max(FloatVector.fromArray(S, row, j));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (int j = bound; j < n; j++) {
            max = Math.max(max, row[j]);
        }
        FloatVector vsum = FloatVector.zero(S);
        FloatVector vez = FloatVector.zero(S);
        for (int j = 0; j < bound; j += lanes) {
            FloatVector t = FloatVector.fromArray(S, row, j).sub(max);
            FloatVector e = exp(t);
            e.intoArray(row, j);
            vsum = vsum.add(e);
            vez = e.fma(t, vez);
        }
        double sum = ordered(vsum);
        double ez = ordered(vez);
        for (int j = bound; j < n; j++) {
            float t = row[j] - max;
            float e = exp(t);
            row[j] = e;
            sum += e;
            ez += (double) e * t;
        }
        float k = (float) (coef / sum);
        for (int j = 0; j < bound; j += lanes) {
            FloatVector.fromArray(S, row, j).mul(k).intoArray(row, j);
        }
        for (int j = bound; j < n; j++) {
            row[j] *= k;
        }
        double gt = row[target] - coef;
        row[target] = (float) gt;
        SoftmaxRows.summarise(out, zt, max, sum, ez, coef, gt);
    }

    /** The lanes' sum, lane 0 first, in double. */
    static double ordered(FloatVector v) {
        float[] lanes = v.toArray();
        double s = 0;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    /** exp(x) lane by lane for x ≤ 0: x = n·ln 2 + r, |r| ≤ ln2/2, exp(r) by a degree-6 polynomial, times 2^n. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(MIN_X);
        FloatVector k = xc.mul(LOG2E).add(ROUND);
        FloatVector t = k.sub(ROUND);
        IntVector n = k.reinterpretAsInts().sub(ROUND_BITS);
        FloatVector r = t.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = t.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector z = r.mul(r);
        FloatVector p = FloatVector.broadcast(S, P[0]);
        for (int i = 1; i < P.length; i++) {
            p = p.fma(r, FloatVector.broadcast(S, P[i]));
        }
        p = p.fma(z, r).add(1f);
        return p.mul(n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** The same computation for one float, operation for operation, so tails match the vector lanes. */
    static float exp(float x) {
        float xc = Math.max(x, MIN_X);
        float k = xc * LOG2E + ROUND;
        float t = k - ROUND;
        int n = Float.floatToRawIntBits(k) - ROUND_BITS;
        float r = Math.fma(t, -LN2_HI, xc);
        r = Math.fma(t, -LN2_LO, r);
        float z = r * r;
        float p = P[0];
        for (int i = 1; i < P.length; i++) {
            p = Math.fma(p, r, P[i]);
        }
        p = Math.fma(p, z, r) + 1f;
        return p * Float.intBitsToFloat((n + 127) << 23);
    }
}
