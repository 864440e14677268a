package org.symile.samediff;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Column-wise softmax cross-entropy against the diagonal, written in the logits' own layout: the transposed pass of
 * {@link ClipClosedForm} without a transposed copy of the [B, B] logits (a strided transpose costs about as much as
 * a d = 30 GEMM, and the gradient needs a second one back).
 *
 * <p>For logits z ([B, B], column j's target row j) and a weight {@code coef}, writes
 * <pre>
 *   out_ij = coef · (softmax_i(z_·j) − δ_ij),    loss_j = logΣ_i exp(z_ij) − z_jj,    Σ_ij out_ij z_ij
 * </pre>
 * that is Hᵀ for H = coef·(softmax_rows(zᵀ) − I), with each column's maximum subtracted. float32 logits run on the
 * Vector API ({@link VectorSoftmaxColumns}, lanes across columns, the same bit-reproducible exp as the rows) when the
 * JVM has {@code jdk.incubator.vector}; otherwise, and for float64, a scalar loop in double
 * precision.
 */
final class SoftmaxColumns {
    private static final Logger LOG = LoggerFactory.getLogger(SoftmaxColumns.class);
    private static final ColumnKernel VECTOR = loadVectorKernel();

    /** All columns of one float32 [B, B] matrix, rewritten in place (a heap copy: see {@link SoftmaxRows}). */
    interface ColumnKernel {
        /** @param out receives Σ_j loss_j and Σ G ⊙ z */
        void columns(float[] z, int b, double coef, double[] out);

        /**
         * The symmetric form (see {@link #symmetric}) if z's entries span at most {@link #FLOAT_SPAN}; otherwise
         * false, with z unchanged.
         *
         * @param out receives Σ_i (row loss_i + column loss_i) and Σ K ⊙ z
         */
        boolean shared(float[] z, int b, double coef, double[] out);
    }

    /**
     * The widest range of float32 logits whose exponentials, shifted by the largest, are all normal floats (exp
     * underflows below −87.3), so one exponential per entry serves its row and its column exactly.
     */
    static final double FLOAT_SPAN = 80;
    /** The same for float64 (exp underflows below −708). */
    static final double DOUBLE_SPAN = 600;

    private SoftmaxColumns() {
    }

    /**
     * Writes G (see above) into {@code out} and returns the sums of loss_j and of G ⊙ z; {@code z} is not changed.
     *
     * @param z   [B, B] C-order FLOAT or DOUBLE logits
     * @param out an array of z's shape, type and order (not z itself)
     */
    static SoftmaxRows.Sums crossEntropy(INDArray z, INDArray out, double coef) {
        check(z, out);
        int b = (int) z.rows();
        int n = b * b;
        double[] sums = new double[2];
        if (z.dataType() == DataType.FLOAT) {
            float[] a = new float[n];
            floats(z).get((int) z.offset(), a, 0, n);
            floatKernel().columns(a, b, coef, sums);
            floats(out).put((int) out.offset(), a, 0, n);
        } else {
            double[] a = new double[n];
            doubles(z).get((int) z.offset(), a, 0, n);
            doubleColumns(a, b, coef, sums);
            doubles(out).put((int) out.offset(), a, 0, n);
        }
        return new SoftmaxRows.Sums(sums[0], sums[1]);
    }

    private static void check(INDArray z, INDArray out) {
        int b = (int) z.rows();
        if (z.rank() != 2 || z.columns() != b || z.ordering() != 'c' || z.elementWiseStride() != 1
                || (z.dataType() != DataType.FLOAT && z.dataType() != DataType.DOUBLE)
                || !out.equalShapes(z) || out.dataType() != z.dataType() || out.ordering() != 'c'
                || out.elementWiseStride() != 1) {
            throw new IllegalArgumentException("softmax columns: expected C-order [B, B] FLOAT or DOUBLE logits and"
                    + " an output like them, got " + z.shapeInfoToString() + " and " + out.shapeInfoToString());
        }
        if ((Math.max(z.offset(), out.offset()) + z.length()) * z.dataType().width() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("softmax columns: logits of " + z.length() + " elements exceed the"
                    + " 2 GiB a buffer view can address; use a smaller batch");
        }
    }

    /**
     * Both cross-entropies of one square logit matrix against its diagonal, as CLIP takes them for a pair: rewrites
     * z into the gradient with respect to z,
     * <pre>
     *   K = coef·(softmax_rows(z) − I) + coef·(softmax_cols(z) − I)
     * </pre>
     * and returns Σ_i (row loss_i + column loss_i) and Σ K ⊙ z. When z spans at most {@link #FLOAT_SPAN}
     * ({@link #DOUBLE_SPAN} in float64), E = exp(z − max z) serves both softmaxes, K_ij = E_ij·(coef/Σ_k E_ik +
     * coef/Σ_k E_kj) − 2·coef·δ_ij: one exponential per entry instead of two, and no second pass over the columns
     * (at B = 1000, 1.7–1.8 ms against 2.2–2.4 ms a pair for the two passes and their sum). Wider logits take the
     * two shifted passes, with {@code scratch} for the columns' gradient.
     *
     * @param z       [B, B] C-order FLOAT or DOUBLE logits, overwritten with K
     * @param scratch an array like z, used only for wide logits
     */
    static SoftmaxRows.Sums symmetric(INDArray z, INDArray scratch, double coef) {
        check(z, scratch);
        int b = (int) z.rows();
        int n = b * b;
        double[] sums = new double[2];
        boolean done;
        if (z.dataType() == DataType.FLOAT) {
            float[] a = new float[n];
            floats(z).get((int) z.offset(), a, 0, n);
            done = floatKernel().shared(a, b, coef, sums);
            if (done) {
                floats(z).put((int) z.offset(), a, 0, n);
            }
        } else {
            double[] a = new double[n];
            doubles(z).get((int) z.offset(), a, 0, n);
            done = sharedDouble(a, b, coef, DOUBLE_SPAN, sums);
            if (done) {
                doubles(z).put((int) z.offset(), a, 0, n);
            }
        }
        if (done) {
            return new SoftmaxRows.Sums(sums[0], sums[1]);
        }
        SoftmaxRows.Sums cols = crossEntropy(z, scratch, coef);
        SoftmaxRows.Sums rows = SoftmaxRows.crossEntropy(z, null, coef, null);
        z.addi(scratch);
        return new SoftmaxRows.Sums(rows.loss() + cols.loss(), rows.gradDotLogits() + cols.gradDotLogits());
    }

    /** One exponential per entry, in double (see {@link #symmetric}); false, z unchanged, if z spans more. */
    static boolean sharedDouble(double[] z, int b, double coef, double span, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double x : z) {
            max = Math.max(max, x);
            min = Math.min(min, x);
        }
        if (!(max - min <= span)) {
            return false;
        }
        double[] zt = new double[b];
        double[] rowSum = new double[b];
        double[] rowEz = new double[b];
        double[] colSum = new double[b];
        double[] colEz = new double[b];
        for (int i = 0; i < b; i++) {
            zt[i] = z[i * b + i];
            for (int j = 0; j < b; j++) {
                double t = z[i * b + j] - max;
                double e = Math.exp(t);
                z[i * b + j] = e;
                rowSum[i] += e;
                rowEz[i] += e * t;
                colSum[j] += e;
                colEz[j] += e * t;
            }
        }
        for (int i = 0; i < b; i++) {
            double kr = coef / rowSum[i];
            for (int j = 0; j < b; j++) {
                z[i * b + j] *= kr + coef / colSum[j];
            }
        }
        double[] diag = new double[b];
        for (int i = 0; i < b; i++) {
            diag[i] = z[i * b + i];
        }
        sharedDiagonal(diag, zt, max, rowSum, rowEz, colSum, colEz, coef, out);
        for (int i = 0; i < b; i++) {
            z[i * b + i] = diag[i];
        }
        return true;
    }

    /**
     * Subtracts 2·coef from K's diagonal (given and returned in {@code diag}) and adds both sides' losses and
     * K ⊙ z to out (see {@link SoftmaxRows#summarise}).
     */
    static void sharedDiagonal(double[] diag, double[] zt, double max, double[] rowSum, double[] rowEz,
            double[] colSum, double[] colEz, double coef, double[] out) {
        double[] side = new double[3];
        for (int i = 0; i < diag.length; i++) {
            double gt = diag[i] - 2 * coef;
            diag[i] = gt;
            SoftmaxRows.summarise(side, zt[i], max, rowSum[i], rowEz[i], coef, gt);
            out[0] += side[0];
            out[1] += side[1];
            SoftmaxRows.summarise(side, zt[i], max, colSum[i], colEz[i], coef, gt);
            out[0] += side[0];
            out[1] += side[1];
        }
    }

    private static FloatBuffer floats(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static DoubleBuffer doubles(INDArray a) {
        return a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    /** float32 without the Vector API: the float64 loops on a widened copy, rounded back. */
    private static final ColumnKernel SCALAR_FLOAT = new ColumnKernel() {
        @Override
        public void columns(float[] z, int b, double coef, double[] out) {
            double[] wide = widen(z);
            doubleColumns(wide, b, coef, out);
            narrow(wide, z);
        }

        @Override
        public boolean shared(float[] z, int b, double coef, double[] out) {
            double[] wide = widen(z);
            if (!sharedDouble(wide, b, coef, FLOAT_SPAN, out)) {
                return false;
            }
            narrow(wide, z);
            return true;
        }
    };

    /** The kernel for float32 logits in this JVM (the rows' switch, {@link SoftmaxRows#vectorised}, covers both). */
    static ColumnKernel floatKernel() {
        return VECTOR != null && SoftmaxRows.vectorised() ? VECTOR : SCALAR_FLOAT;
    }

    private static double[] widen(float[] z) {
        double[] wide = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            wide[i] = z[i];
        }
        return wide;
    }

    private static void narrow(double[] wide, float[] z) {
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) wide[i];
        }
    }

    /** float64 logits (gradient checks, reference runs), and float32 ones without the Vector API. */
    private static void doubleColumns(double[] z, int b, double coef, double[] out) {
        double[] max = new double[b];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                max[j] = Math.max(max[j], z[i * b + j]);
            }
        }
        double[] zt = new double[b];
        double[] sum = new double[b];
        double[] ez = new double[b];
        for (int i = 0; i < b; i++) {
            zt[i] = z[i * b + i];
            for (int j = 0; j < b; j++) {
                double t = z[i * b + j] - max[j];
                double e = Math.exp(t);
                z[i * b + j] = e;
                sum[j] += e;
                ez[j] += e * t;
            }
        }
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                z[i * b + j] *= coef / sum[j];
            }
        }
        double[] col = new double[3];
        for (int j = 0; j < b; j++) {
            double gt = z[j * b + j] - coef;
            z[j * b + j] = gt;
            SoftmaxRows.summarise(col, zt[j], max[j], sum[j], ez[j], coef, gt);
            out[0] += col[0];
            out[1] += col[1];
        }
    }

    private static ColumnKernel loadVectorKernel() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (ColumnKernel) Class.forName("org.symile.samediff.VectorSoftmaxColumns").getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("Vector API column kernel unavailable ({}); CLIP's closed form takes the scalar path", e.toString());
            return null;
        }
    }
}
