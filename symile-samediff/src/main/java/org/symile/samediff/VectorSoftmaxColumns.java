package org.symile.samediff;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 columns of {@link SoftmaxColumns} on the Vector API: lanes run across columns, so each pass reads the
 * [B, B] logits row by row, contiguously, with per-column maxima and sums held in arrays. One small method per pass
 * (C2 inlines and intrinsifies small Vector API methods; in large ones it fell back to boxed per-lane code).
 * {@link #shared} is CLIP's symmetric form: one exponential per logit, each row's sums in its lanes and each
 * column's in the arrays, in the same pass.
 *
 * <p>Reproducible to the bit, as {@link VectorSoftmaxRow}: its polynomial exp, and per-column sums accumulated in
 * float over blocks of {@value #BLOCK} rows (as the rows' lanes each sum a few dozen terms) and added to double
 * totals in row order.
 */
final class VectorSoftmaxColumns implements SoftmaxColumns.ColumnKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Rows whose exponentials are summed in float before joining a column's double total. */
    static final int BLOCK = 64;

    @Override
    public void columns(float[] z, int b, double coef, double[] out) {
        double[] zt = new double[b];
        for (int j = 0; j < b; j++) {
            zt[j] = z[j * b + j];
        }
        float[] max = new float[b];
        System.arraycopy(z, 0, max, 0, b);
        for (int i = 1; i < b; i++) {
            maxRow(z, i * b, max, 0, b);
        }
        float[] fsum = new float[b];
        float[] fez = new float[b];
        double[] sum = new double[b];
        double[] ez = new double[b];
        for (int i = 0; i < b; i++) {
            expRow(z, i * b, max, fsum, fez, 0, b);
            if ((i + 1) % BLOCK == 0 || i == b - 1) {
                flush(fsum, sum, 0, b);
                flush(fez, ez, 0, b);
            }
        }
        float[] k = new float[b];
        for (int j = 0; j < b; j++) {
            k[j] = (float) (coef / sum[j]);
        }
        for (int i = 0; i < b; i++) {
            scaleRow(z, i * b, k, 0, b);
        }
        double[] col = new double[3];
        for (int j = 0; j < b; j++) {
            double gt = z[j * b + j] - coef;
            z[j * b + j] = (float) gt;
            SoftmaxRows.summarise(col, zt[j], max[j], sum[j], ez[j], coef, gt);
            out[0] += col[0];
            out[1] += col[1];
        }
    }

    @Override
    public boolean shared(float[] z, int b, double coef, double[] out) {
        int n = b * b;
        int bound = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector vmin = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, z, i);
            vmax = vmax.max(x);
            vmin = vmin.min(x);
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        float min = vmin.reduceLanes(VectorOperators.MIN);
        for (int i = bound; i < n; i++) {
            max = Math.max(max, z[i]);
            min = Math.min(min, z[i]);
        }
        if (!((double) max - min <= SoftmaxColumns.FLOAT_SPAN)) {
            return false;
        }
        double[] zt = new double[b];
        for (int j = 0; j < b; j++) {
            zt[j] = z[j * b + j];
        }
        float[] fsum = new float[b];
        float[] fez = new float[b];
        double[] colSum = new double[b];
        double[] colEz = new double[b];
        double[] rowSum = new double[b];
        double[] rowEz = new double[b];
        double[] acc = new double[2];
        for (int i = 0; i < b; i++) {
            sharedExpRow(z, i * b, max, fsum, fez, b, acc);
            rowSum[i] = acc[0];
            rowEz[i] = acc[1];
            if ((i + 1) % BLOCK == 0 || i == b - 1) {
                flush(fsum, colSum, 0, b);
                flush(fez, colEz, 0, b);
            }
        }
        float[] kc = new float[b];
        for (int j = 0; j < b; j++) {
            kc[j] = (float) (coef / colSum[j]);
        }
        for (int i = 0; i < b; i++) {
            sharedScaleRow(z, i * b, (float) (coef / rowSum[i]), kc, b);
        }
        double[] diag = new double[b];
        for (int i = 0; i < b; i++) {
            diag[i] = z[i * b + i];
        }
        SoftmaxColumns.sharedDiagonal(diag, zt, max, rowSum, rowEz, colSum, colEz, coef, out);
        for (int i = 0; i < b; i++) {
            z[i * b + i] = (float) diag[i];
        }
        return true;
    }

    /** exp(z − max) in place, its row sums (returned in acc) and its column sums (added to fsum, fez). */
    private static void sharedExpRow(float[] z, int start, float max, float[] fsum, float[] fez, int b,
            double[] acc) {
        int bound = S.loopBound(b);
        FloatVector vsum = FloatVector.zero(S);
        FloatVector vez = FloatVector.zero(S);
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector t = FloatVector.fromArray(S, z, start + j).sub(max);
            FloatVector e = VectorSoftmaxRow.exp(t);
            e.intoArray(z, start + j);
            vsum = vsum.add(e);
            vez = e.fma(t, vez);
            FloatVector.fromArray(S, fsum, j).add(e).intoArray(fsum, j);
            e.fma(t, FloatVector.fromArray(S, fez, j)).intoArray(fez, j);
        }
        double sum = VectorSoftmaxRow.ordered(vsum);
        double ez = VectorSoftmaxRow.ordered(vez);
        for (int j = bound; j < b; j++) {
            float t = z[start + j] - max;
            float e = VectorSoftmaxRow.exp(t);
            z[start + j] = e;
            sum += e;
            ez += (double) e * t;
            fsum[j] += e;
            fez[j] = Math.fma(e, t, fez[j]);
        }
        acc[0] = sum;
        acc[1] = ez;
    }

    /** E_ij·(coef/r_i + coef/c_j): the row's and the columns' softmax weights from one exponential. */
    private static void sharedScaleRow(float[] z, int start, float kr, float[] kc, int b) {
        int bound = S.loopBound(b);
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector k = FloatVector.fromArray(S, kc, j).add(kr);
            FloatVector.fromArray(S, z, start + j).mul(k).intoArray(z, start + j);
        }
        for (int j = bound; j < b; j++) {
            z[start + j] *= kc[j] + kr;
        }
    }

    private static void maxRow(float[] z, int start, float[] max, int off, int w) {
        int bound = S.loopBound(w);
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector.fromArray(S, z, start + j).max(FloatVector.fromArray(S, max, off + j)).intoArray(max, off + j);
        }
        for (int j = bound; j < w; j++) {
            max[off + j] = Math.max(max[off + j], z[start + j]);
        }
    }

    private static void expRow(float[] z, int start, float[] max, float[] fsum, float[] fez, int off, int w) {
        int bound = S.loopBound(w);
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector t = FloatVector.fromArray(S, z, start + j).sub(FloatVector.fromArray(S, max, off + j));
            FloatVector e = VectorSoftmaxRow.exp(t);
            e.intoArray(z, start + j);
            FloatVector.fromArray(S, fsum, off + j).add(e).intoArray(fsum, off + j);
            e.fma(t, FloatVector.fromArray(S, fez, off + j)).intoArray(fez, off + j);
        }
        for (int j = bound; j < w; j++) {
            float t = z[start + j] - max[off + j];
            float e = VectorSoftmaxRow.exp(t);
            z[start + j] = e;
            fsum[off + j] += e;
            fez[off + j] = Math.fma(e, t, fez[off + j]);
        }
    }

    private static void scaleRow(float[] z, int start, float[] k, int off, int w) {
        int bound = S.loopBound(w);
        for (int j = 0; j < bound; j += S.length()) {
            FloatVector.fromArray(S, z, start + j).mul(FloatVector.fromArray(S, k, off + j)).intoArray(z, start + j);
        }
        for (int j = bound; j < w; j++) {
            z[start + j] *= k[off + j];
        }
    }

    private static void flush(float[] partial, double[] total, int off, int w) {
        for (int j = off; j < off + w; j++) {
            total[j] += partial[j];
            partial[j] = 0f;
        }
    }
}
