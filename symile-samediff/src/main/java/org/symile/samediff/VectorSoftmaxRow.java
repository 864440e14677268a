package org.symile.samediff;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 row of {@link SoftmaxRows} on the Vector API: max, then exp/sum, then scale, each one pass over the
 * row (copied to a heap array) in the platform's widest float vectors, with a scalar tail. Loaded reflectively, only when the JVM has
 * {@code jdk.incubator.vector}, so that the library still runs without it.
 */
final class VectorSoftmaxRow implements SoftmaxRows.RowKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

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
            FloatVector e = t.lanewise(VectorOperators.EXP);
            e.intoArray(row, j);
            vsum = vsum.add(e);
            vez = e.fma(t, vez);
        }
        double sum = vsum.reduceLanes(VectorOperators.ADD);
        double ez = vez.reduceLanes(VectorOperators.ADD);
        for (int j = bound; j < n; j++) {
            float t = row[j] - max;
            float e = (float) Math.exp(t);
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
}
