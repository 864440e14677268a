package org.symile.samediff.dl4j;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The float32 arithmetic of {@link BatchNormBackward} over one channel row of an NCHW array (h·w values of one
 * example and channel), already copied into Java arrays. With xc = x − μ, the ReLU's pre-activation
 * y = scale·xc + β and g' = g where y &gt; 0 (else 0; g' = g without a ReLU):
 * <pre>
 *   sums:      Σ g',  Σ g'·xc
 *   gradient:  dx = scale·(g' − meanG − xc·slope)
 * </pre>
 * Two implementations: plain loops ({@link #SCALAR}) and the JDK's Vector API ({@code VectorBatchNormKernel},
 * loaded reflectively when the JVM has {@code jdk.incubator.vector}). Both compute xc, y, g' and dx with the same
 * float operations (fused where marked), so they give the same gradients to the bit; the sums (and the forward
 * pass's statistics, {@link #sum} and {@link #squaredDeviations}) are formed in
 * blocks of {@link #BLOCK} values added into double, and differ between the two only in the order within a block.
 */
interface BatchNormKernel {
    Logger LOG = LoggerFactory.getLogger(BatchNormKernel.class);
    /** Values summed in float before the block's sum is added into the double total. */
    int BLOCK = 1024;

    /** out[0] = Σ g', out[1] = Σ g'·xc over x[0, n), g[0, n). */
    void sums(float[] x, float[] g, int n, float mu, float scale, float beta, boolean relu, double[] out);

    /** Overwrites g[0, n) with dx. */
    void gradient(float[] x, float[] g, int n, float mu, float scale, float beta, boolean relu, float meanG,
                  float slope);

    /** Σ x over x[0, n). */
    double sum(float[] x, int n);

    /** Σ (x − μ)² over x[0, n). */
    double squaredDeviations(float[] x, int n, float mu);

    /** Plain loops. */
    BatchNormKernel SCALAR = new Scalar();

    /** The Vector API kernel when this JVM has it, else {@link #SCALAR}. */
    static BatchNormKernel best() {
        return Holder.VECTOR != null ? Holder.VECTOR : SCALAR;
    }

    /** Loads the vector kernel once. */
    final class Holder {
        static final BatchNormKernel VECTOR = load();

        private Holder() {
        }

        private static BatchNormKernel load() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return null;
            }
            try {
                return (BatchNormKernel) Class.forName("org.symile.samediff.dl4j.VectorBatchNormKernel")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("Vector API kernel for batch norm unavailable ({}); scalar loops", e.toString());
                return null;
            }
        }
    }

    /** {@link #SCALAR}; its loops over [from, n) are also the vector kernel's row tails. */
    final class Scalar implements BatchNormKernel {
        @Override
        public void sums(float[] x, float[] g, int n, float mu, float scale, float beta, boolean relu,
                         double[] out) {
            out[0] = 0;
            out[1] = 0;
            for (int start = 0; start < n; start += BLOCK) {
                sumsTail(x, g, start, Math.min(n, start + BLOCK), mu, scale, beta, relu, out);
            }
        }

        /** Adds the sums over [from, to) (at most one block) to out. */
        static void sumsTail(float[] x, float[] g, int from, int to, float mu, float scale, float beta,
                             boolean relu, double[] out) {
            float a = 0;
            float b = 0;
            for (int i = from; i < to; i++) {
                float xc = x[i] - mu;
                float gv = relu && !(Math.fma(xc, scale, beta) > 0f) ? 0f : g[i];
                a += gv;
                b = Math.fma(gv, xc, b);
            }
            out[0] += a;
            out[1] += b;
        }

        @Override
        public double sum(float[] x, int n) {
            return squaredDeviationsTail(x, 0, n, 0f, false);
        }

        @Override
        public double squaredDeviations(float[] x, int n, float mu) {
            return squaredDeviationsTail(x, 0, n, mu, true);
        }

        /** Σ (x − μ)² (squared) or Σ x (not squared, μ 0) over [from, to), block by block. */
        static double squaredDeviationsTail(float[] x, int from, int to, float mu, boolean squared) {
            double total = 0;
            for (int start = from; start < to; start += BLOCK) {
                float s = 0;
                for (int i = start, end = Math.min(to, start + BLOCK); i < end; i++) {
                    float xc = x[i] - mu;
                    s = squared ? Math.fma(xc, xc, s) : s + xc;
                }
                total += s;
            }
            return total;
        }

        @Override
        public void gradient(float[] x, float[] g, int n, float mu, float scale, float beta, boolean relu,
                             float meanG, float slope) {
            gradientTail(x, g, 0, n, mu, scale, beta, relu, meanG, slope);
        }

        static void gradientTail(float[] x, float[] g, int from, int to, float mu, float scale, float beta,
                                 boolean relu, float meanG, float slope) {
            for (int i = from; i < to; i++) {
                float xc = x[i] - mu;
                float gv = relu && !(Math.fma(xc, scale, beta) > 0f) ? 0f : g[i];
                g[i] = scale * (gv - meanG - xc * slope);
            }
        }
    }
}
