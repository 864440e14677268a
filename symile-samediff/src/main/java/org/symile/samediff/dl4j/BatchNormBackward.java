package org.symile.samediff.dl4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training-mode backward pass of batch norm (optionally followed by a ReLU) over NCHW arrays, written out per
 * channel in Java: one pass for the sums, one for the input gradient. With x̂ = (x − μ)·r, r = 1/√(σ² + eps),
 * y = γx̂ + β and g the output gradient (zero where a ReLU clipped y):
 * <pre>
 *   dβ = Σ g,   dγ = Σ g·x̂,   dx = γ·r·(g − dβ/n − x̂·dγ/n)      (sums over N·H·W = n values per channel)
 * </pre>
 * libnd4j's {@code batchnorm_bp} computes 1/n in float even for double arrays and, in the oneDNN builds, runs
 * the NCHW case through generic broadcast loops several times slower than its forward pass. DOUBLE arrays take
 * double loops (exact, for the gradient checks); FLOAT arrays take {@link BatchNormKernel#best()}, float
 * arithmetic as PyTorch's with the sums added into double block by block. Channels are split over threads by
 * {@link ChannelGroups}.
 */
final class BatchNormBackward {
    private BatchNormBackward() {
    }

    /**
     * @param x     input [N, C, H, W], c-ordered and contiguous
     * @param g     output gradient, same shape and layout
     * @param mean  batch mean [C];  @param var biased batch variance [C]
     * @param dx    receives the input gradient (same shape and layout as x)
     * @param dGamma receives dγ [C];  @param dBeta receives dβ [C]
     */
    static void run(INDArray x, INDArray g, double[] mean, double[] var, double[] gamma, double[] beta, double eps,
                    boolean relu, INDArray dx, double[] dGamma, double[] dBeta) {
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.size(2) * x.size(3));
        if (x.dataType() != DataType.DOUBLE && x.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("batch norm: expected FLOAT or DOUBLE activations, got " + x.dataType());
        }
        double count = (double) n * hw;
        double[] r = new double[c];
        for (int k = 0; k < c; k++) {
            r[k] = 1 / Math.sqrt(var[k] + eps);
        }
        double[] sg = new double[c];
        double[] sgx = new double[c];
        ChannelGroups.run(c, (from, to) -> {
            Rows rows = rows(x, g, dx, hw);
            double[] sums = new double[2];
            for (int s = 0; s < n; s++) {
                for (int k = from; k < to; k++) {
                    rows.sums(((long) s * c + k) * hw, mean[k], gamma[k] * r[k], beta[k], relu, sums);
                    sg[k] += sums[0];
                    sgx[k] += sums[1];
                }
            }
        });
        for (int k = 0; k < c; k++) {
            dBeta[k] = sg[k];
            dGamma[k] = sgx[k] * r[k];
        }
        ChannelGroups.run(c, (from, to) -> {
            Rows rows = rows(x, g, dx, hw);
            for (int s = 0; s < n; s++) {
                for (int k = from; k < to; k++) {
                    rows.gradient(((long) s * c + k) * hw, mean[k], gamma[k] * r[k], beta[k], relu,
                            sg[k] / count, r[k] * dGamma[k] / count);
                }
            }
        });
    }

    private static Rows rows(INDArray x, INDArray g, INDArray dx, int hw) {
        return x.dataType() == DataType.DOUBLE ? new DoubleRows(x, g, dx, hw)
                : new FloatRows(x, g, dx, hw, BatchNormKernel.best());
    }

    /**
     * g where y &gt; 0, else 0, without a branch: the sign of y is random across a row, and a mispredicted branch per
     * value made this pass six times slower. The mask is all ones exactly when y's bits, read as a signed integer,
     * are positive (y &gt; 0, or a NaN with the sign bit clear).
     */
    static double positivePart(double y, double g) {
        long bits = Double.doubleToRawLongBits(y);
        long mask = (-bits & ~bits) >> 63;
        return Double.longBitsToDouble(Double.doubleToRawLongBits(g) & mask);
    }

    /**
     * One channel row of hw values at a time, copied into Java arrays: the row's Σg and Σg·(x − μ) (g zero where
     * the ReLU clipped), then dx = scale·(g − meanG − (x − μ)·slope). One instance per thread.
     */
    private abstract static class Rows {
        abstract void sums(long offset, double mu, double scale, double beta, boolean relu, double[] out);

        abstract void gradient(long offset, double mu, double scale, double beta, boolean relu, double meanG,
                               double slope);
    }

    /**
     * The kernel centres on μ rounded to float, μ_f; the rounding δ = μ − μ_f is folded back in double
     * (Σ g·(x − μ) = Σ g·(x − μ_f) − δ·Σ g, and likewise into β and meanG), since δ·Σ g is not small where the
     * gradients do not average out.
     */
    private static final class FloatRows extends Rows {
        private final FloatPointer x;
        private final FloatPointer g;
        private final FloatPointer dx;
        private final float[] xs;
        private final float[] gs;
        private final BatchNormKernel kernel;

        FloatRows(INDArray x, INDArray g, INDArray dx, int hw, BatchNormKernel kernel) {
            this.x = pointer(x);
            this.g = pointer(g);
            this.dx = pointer(dx);
            this.xs = new float[hw];
            this.gs = new float[hw];
            this.kernel = kernel;
        }

        private static FloatPointer pointer(INDArray a) {
            return new FloatPointer(a.data().addressPointer()).position(a.offset());
        }

        private void read(long offset) {
            x.getPointer(offset).get(xs);
            g.getPointer(offset).get(gs);
        }

        @Override
        void sums(long offset, double mu, double scale, double beta, boolean relu, double[] out) {
            read(offset);
            float muF = (float) mu;
            double shift = mu - muF;
            kernel.sums(xs, gs, xs.length, muF, (float) scale, (float) (beta - scale * shift), relu, out);
            out[1] -= shift * out[0];
        }

        @Override
        void gradient(long offset, double mu, double scale, double beta, boolean relu, double meanG, double slope) {
            read(offset);
            float muF = (float) mu;
            double shift = mu - muF;
            kernel.gradient(xs, gs, xs.length, muF, (float) scale, (float) (beta - scale * shift), relu,
                    (float) (meanG - shift * slope), (float) slope);
            dx.getPointer(offset).put(gs);
        }
    }

    private static final class DoubleRows extends Rows {
        private final DoublePointer x;
        private final DoublePointer g;
        private final DoublePointer dx;
        private final double[] xs;
        private final double[] gs;

        DoubleRows(INDArray x, INDArray g, INDArray dx, int hw) {
            this.x = pointer(x);
            this.g = pointer(g);
            this.dx = pointer(dx);
            this.xs = new double[hw];
            this.gs = new double[hw];
        }

        private static DoublePointer pointer(INDArray a) {
            return new DoublePointer(a.data().addressPointer()).position(a.offset());
        }

        private void read(long offset) {
            x.getPointer(offset).get(xs);
            g.getPointer(offset).get(gs);
        }

        @Override
        void sums(long offset, double mu, double scale, double beta, boolean relu, double[] out) {
            read(offset);
            double a = 0;
            double b = 0;
            for (int i = 0; i < xs.length; i++) {
                double xc = xs[i] - mu;
                double gv = relu ? positivePart(scale * xc + beta, gs[i]) : gs[i];
                a += gv;
                b += gv * xc;
            }
            out[0] = a;
            out[1] = b;
        }

        @Override
        void gradient(long offset, double mu, double scale, double beta, boolean relu, double meanG, double slope) {
            read(offset);
            for (int i = 0; i < xs.length; i++) {
                double xc = xs[i] - mu;
                double gv = relu ? positivePart(scale * xc + beta, gs[i]) : gs[i];
                gs[i] = scale * (gv - meanG - xc * slope);
            }
            dx.getPointer(offset).put(gs);
        }
    }
}
