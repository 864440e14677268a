package org.symile.samediff.dl4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BatchNormKernel} on the Vector API, the platform's widest float vectors. Loaded reflectively (see
 * {@link BatchNormKernel#best()}), only when the JVM has {@code jdk.incubator.vector}. The lanes compute the scalar
 * kernel's expressions; each block's lane sums are added in lane order (the API's own reduction order is
 * unspecified), and a row's last n mod lanes values go through the scalar loops.
 */
final class VectorBatchNormKernel implements BatchNormKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    public void sums(float[] x, float[] g, int n, float mu, float scale, float beta, boolean relu, double[] out) {
        out[0] = 0;
        out[1] = 0;
        FloatVector vmu = FloatVector.broadcast(S, mu);
        FloatVector vscale = FloatVector.broadcast(S, scale);
        FloatVector vbeta = FloatVector.broadcast(S, beta);
        FloatVector zero = FloatVector.zero(S);
        float[] lanes = new float[L];
        int upper = n - n % L;
        for (int start = 0; start < upper; start += BLOCK) {
            int end = Math.min(upper, start + BLOCK);
            FloatVector a = zero;
            FloatVector b = zero;
            for (int i = start; i < end; i += L) {
                FloatVector xc = FloatVector.fromArray(S, x, i).sub(vmu);
                FloatVector gv = FloatVector.fromArray(S, g, i);
                if (relu) {
                    VectorMask<Float> on = xc.fma(vscale, vbeta).compare(VectorOperators.GT, 0f);
                    gv = zero.blend(gv, on);
                }
                a = a.add(gv);
                b = gv.fma(xc, b);
            }
            out[0] += inLaneOrder(a, lanes);
            out[1] += inLaneOrder(b, lanes);
        }
        BatchNormKernel.Scalar.sumsTail(x, g, upper, n, mu, scale, beta, relu, out);
    }

    @Override
    public double sum(float[] x, int n) {
        return deviations(x, n, 0f, false);
    }

    @Override
    public double squaredDeviations(float[] x, int n, float mu) {
        return deviations(x, n, mu, true);
    }

    private static double deviations(float[] x, int n, float mu, boolean squared) {
        FloatVector vmu = FloatVector.broadcast(S, mu);
        float[] lanes = new float[L];
        int upper = n - n % L;
        double total = 0;
        for (int start = 0; start < upper; start += BLOCK) {
            int end = Math.min(upper, start + BLOCK);
            FloatVector s = FloatVector.zero(S);
            for (int i = start; i < end; i += L) {
                FloatVector xc = FloatVector.fromArray(S, x, i).sub(vmu);
                s = squared ? xc.fma(xc, s) : s.add(xc);
            }
            total += inLaneOrder(s, lanes);
        }
        return total + BatchNormKernel.Scalar.squaredDeviationsTail(x, upper, n, mu, squared);
    }

    private static double inLaneOrder(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0;
        for (float lane : lanes) {
            s += lane;
        }
        return s;
    }

    @Override
    public void gradient(float[] x, float[] g, int n, float mu, float scale, float beta, boolean relu, float meanG,
                         float slope) {
        FloatVector vmu = FloatVector.broadcast(S, mu);
        FloatVector vscale = FloatVector.broadcast(S, scale);
        FloatVector vbeta = FloatVector.broadcast(S, beta);
        FloatVector vmeanG = FloatVector.broadcast(S, meanG);
        FloatVector vslope = FloatVector.broadcast(S, slope);
        FloatVector zero = FloatVector.zero(S);
        int upper = n - n % L;
        for (int i = 0; i < upper; i += L) {
            FloatVector xc = FloatVector.fromArray(S, x, i).sub(vmu);
            FloatVector gv = FloatVector.fromArray(S, g, i);
            if (relu) {
                gv = zero.blend(gv, xc.fma(vscale, vbeta).compare(VectorOperators.GT, 0f));
            }
            vscale.mul(gv.sub(vmeanG).sub(xc.mul(vslope))).intoArray(g, i);
        }
        BatchNormKernel.Scalar.gradientTail(x, g, upper, n, mu, scale, beta, relu, meanG, slope);
    }
}
