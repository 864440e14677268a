package org.symile.samediff;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Row-wise softmax cross-entropy against the diagonal, turned into its gradient in place: the one [B, N] pass of
 * the closed-form losses ({@link SymileNClosedForm}, {@link ClipClosedForm}).
 *
 * <p>For logits z ([B, N], N ≥ B, row i's target column i) and a weight {@code coef}, row i becomes
 * <pre>
 *   G_i = coef · (softmax(z_i) − e_i),    loss_i = logΣ_j exp(z_ij) − z_ii,    Σ_j G_ij z_ij
 * </pre>
 * computed with the row maximum subtracted. float32 rows run on the JDK's Vector API ({@link VectorSoftmaxRow}:
 * a vectorised, bit-reproducible exp; libnd4j's {@code exp} is scalar and cost ~3.4 ns per element, a third of a
 * binary_xor loss step) when the JVM was started with {@code --add-modules jdk.incubator.vector}; otherwise, and
 * for float64, a scalar loop in double precision does the same work.
 */
final class SoftmaxRows {
    private static final Logger LOG = LoggerFactory.getLogger(SoftmaxRows.class);
    /** Disables the Vector API path (for tests of the scalar path). */
    static final String NO_VECTOR_PROPERTY = "symile.vectorApi.disabled";
    private static final RowKernel VECTOR = loadVectorKernel();

    /** Sums over all rows of one call. */
    record Sums(double loss, double gradDotLogits) {
    }

    /** One float32 row, rewritten in place (heap arrays: the Vector API's bounds checks on buffers cost 2x). */
    interface RowKernel {
        /**
         * @param row    the row's n logits
         * @param target the target's index in the row
         * @param out    receives loss_i, Σ_j G_ij z_ij and G_ii
         */
        void row(float[] row, int n, int target, double coef, double[] out);
    }

    private SoftmaxRows() {
    }

    /** Whether float32 rows take the Vector API path in this JVM. */
    static boolean vectorised() {
        return VECTOR != null && !Boolean.getBoolean(NO_VECTOR_PROPERTY);
    }

    /**
     * Rewrites {@code z} into G and returns the sums of loss_i and of G ⊙ z.
     *
     * @param z        [B, N] C-order FLOAT or DOUBLE logits, N ≥ B, overwritten with G
     * @param diag     if not null, z_ii is set to diag[i] first (Symile O(N): the positive replaces the unused
     *                 diagonal of the negatives' logits)
     * @param coef     the weight of each row's cross-entropy in the loss
     * @param diagGrad if not null, receives G_ii, and G_ii is then set to 0 in z
     */
    static Sums crossEntropy(INDArray z, double[] diag, double coef, double[] diagGrad) {
        return crossEntropy(z, diag, coef, diagGrad, 0, null);
    }

    /**
     * {@link #crossEntropy(INDArray, double[], double, double[])} with PyTorch's label smoothing ε over the N
     * classes of each row: loss_i = lse_i − (1 − ε)·z_ii − ε·mean_j z_ij and G_i = coef·(softmax(z_i) − (1 − ε)·e_i
     * − ε/N), i.e. the unsmoothed row plus ε·(z_ii − mean_j z_ij) on the loss and coef·ε·(e_i − 1/N) on G.
     *
     * @param eps      label smoothing in [0, 1); 0 is the plain cross-entropy
     * @param rowMeans with ε &gt; 0: mean_j z_ij per row (after the diagonal replacement), which callers have from
     *                 [B, d] products more cheaply than from a pass over the row; ignored for ε = 0
     */
    static Sums crossEntropy(INDArray z, double[] diag, double coef, double[] diagGrad, double eps,
                             double[] rowMeans) {
        int b = (int) z.rows();
        int n = (int) z.columns();
        if (z.rank() != 2 || n < b || z.ordering() != 'c' || z.elementWiseStride() != 1
                || (z.dataType() != DataType.FLOAT && z.dataType() != DataType.DOUBLE)) {
            throw new IllegalArgumentException("softmax rows: expected a C-order [B, N >= B] FLOAT or DOUBLE array, got "
                    + z.shapeInfoToString());
        }
        if (eps > 0 && (rowMeans == null || rowMeans.length != b)) {
            throw new IllegalArgumentException("softmax rows: label smoothing needs " + b + " row means");
        }
        boolean isFloat = z.dataType() == DataType.FLOAT;
        if ((z.offset() + z.length()) * z.dataType().width() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("softmax rows: logits of " + z.length() + " elements exceed the 2 GiB"
                    + " a buffer view can address; use a smaller batch");
        }
        ByteBuffer buf = z.data().asNio().order(ByteOrder.nativeOrder());
        int base = (int) z.offset();
        RowKernel kernel = floatKernel();
        FloatBuffer floats = isFloat ? buf.asFloatBuffer() : null;
        float[] row = isFloat ? new float[n] : null;
        double[] out = new double[3];
        double loss = 0;
        double gz = 0;
        for (int i = 0; i < b; i++) {
            int start = base + i * n;
            if (isFloat) {
                floats.get(start, row, 0, n);
                if (diag != null) {
                    row[i] = (float) diag[i];
                }
                double gap = eps > 0 ? row[i] - rowMeans[i] : 0;
                kernel.row(row, n, i, coef, out);
                if (eps > 0) {
                    smooth(row, n, i, (float) (coef * eps / n), (float) (coef * eps), out, eps, gap, coef);
                }
                if (diagGrad != null) {
                    row[i] = 0f;
                }
                floats.put(start, row, 0, n);
            } else {
                if (diag != null) {
                    buf.putDouble((start + i) * 8, diag[i]);
                }
                double gap = eps > 0 ? buf.getDouble((start + i) * 8) - rowMeans[i] : 0;
                doubleRow(buf, start, n, start + i, coef, out);
                if (eps > 0) {
                    smooth(buf, start, n, start + i, coef * eps / n, coef * eps, out, eps, gap, coef);
                }
                if (diagGrad != null) {
                    buf.putDouble((start + i) * 8, 0.0);
                }
            }
            loss += out[0];
            gz += out[1];
            if (diagGrad != null) {
                diagGrad[i] = out[2];
            }
        }
        return new Sums(loss, gz);
    }

    private static final RowKernel SCALAR_FLOAT = SoftmaxRows::scalarRow;

    /** Adds label smoothing to a row the kernel wrote: gap = z_ii − mean_j z_ij of the row's logits. */
    private static void smooth(float[] row, int n, int target, float perClass, float onTarget, double[] out,
                               double eps, double gap, double coef) {
        for (int j = 0; j < n; j++) {
            row[j] -= perClass;
        }
        row[target] += onTarget;
        smoothed(out, eps, gap, coef, (double) perClass, (double) onTarget);
    }

    private static void smooth(ByteBuffer buf, int start, int n, int target, double perClass, double onTarget,
                               double[] out, double eps, double gap, double coef) {
        for (int j = start; j < start + n; j++) {
            buf.putDouble(j * 8, buf.getDouble(j * 8) - perClass);
        }
        buf.putDouble(target * 8, buf.getDouble(target * 8) + onTarget);
        smoothed(out, eps, gap, coef, perClass, onTarget);
    }

    private static void smoothed(double[] out, double eps, double gap, double coef, double perClass,
                                 double onTarget) {
        out[0] += eps * gap;
        out[1] += coef * eps * gap;
        out[2] += onTarget - perClass;
    }

    /** The kernel for float32 rows in this JVM. */
    static RowKernel floatKernel() {
        return vectorised() ? VECTOR : SCALAR_FLOAT;
    }

    private static void scalarRow(float[] row, int n, int target, double coef, double[] out) {
        double zt = row[target];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, row[j]);
        }
        double sum = 0;
        double ez = 0;
        for (int j = 0; j < n; j++) {
            double t = row[j] - max;
            double e = Math.exp(t);
            row[j] = (float) e;
            sum += e;
            ez += e * t;
        }
        float k = (float) (coef / sum);
        for (int j = 0; j < n; j++) {
            row[j] *= k;
        }
        double gt = row[target] - coef;
        row[target] = (float) gt;
        summarise(out, zt, max, sum, ez, coef, gt);
    }

    /** float64 rows (gradient checks, reference runs): scalar, in the buffer. */
    private static void doubleRow(ByteBuffer buf, int start, int n, int target, double coef, double[] out) {
        double zt = buf.getDouble(target * 8);
        double max = Double.NEGATIVE_INFINITY;
        for (int j = start; j < start + n; j++) {
            max = Math.max(max, buf.getDouble(j * 8));
        }
        double sum = 0;
        double ez = 0;
        for (int j = start; j < start + n; j++) {
            double t = buf.getDouble(j * 8) - max;
            double e = Math.exp(t);
            buf.putDouble(j * 8, e);
            sum += e;
            ez += e * t;
        }
        double k = coef / sum;
        for (int j = start; j < start + n; j++) {
            buf.putDouble(j * 8, buf.getDouble(j * 8) * k);
        }
        double gt = buf.getDouble(target * 8) - coef;
        buf.putDouble(target * 8, gt);
        summarise(out, zt, max, sum, ez, coef, gt);
    }

    /**
     * loss_i = max + log Σ e − z_ii; Σ_j G_ij z_ij = (coef/Σe)·Σ e·(z − max) + coef·(max − z_ii), the form with the
     * shifted logits (smaller terms, less cancellation than Σ e·z).
     */
    static void summarise(double[] out, double zt, double max, double sum, double ezShifted, double coef, double gt) {
        out[0] = max + Math.log(sum) - zt;
        out[1] = coef / sum * ezShifted + coef * (max - zt);
        out[2] = gt;
    }

    private static RowKernel loadVectorKernel() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("jdk.incubator.vector is not in this JVM: closed-form losses take the scalar path (start the JVM"
                    + " with --add-modules jdk.incubator.vector for the vectorised one)");
            return null;
        }
        try {
            return (RowKernel) Class.forName("org.symile.samediff.VectorSoftmaxRow").getDeclaredConstructor()
                    .newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warn("Vector API kernel unavailable ({}); closed-form losses take the scalar path", e.toString());
            return null;
        }
    }
}
