package org.symile.samediff.dl4j;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The batch statistics of batch norm's training forward pass: per channel of NCHW x, over the n = N·H·W values,
 * <pre>
 *   μ = Σ x / n,   σ² = Σ (x − μ)² / n      (biased, as PyTorch normalises with)
 * </pre>
 * in two passes. FLOAT arrays run {@link BatchNormKernel#best()} on the threads of {@link ChannelGroups}, the
 * sums added into double block by block (libnd4j's {@code moments} over axes (0, 2, 3) took more than half of
 * the layer's forward time at full-size Symile-MIMIC, 312 of 565 ms per B 8 step, against 224 ms here); DOUBLE
 * arrays (gradient checks) go to libnd4j.
 */
final class BatchNormStats {
    private BatchNormStats() {
    }

    /**
     * @param x    input [N, C, H, W], c-ordered and contiguous, FLOAT or DOUBLE
     * @param mean receives μ [C] (x's data type)
     * @param var  receives σ² [C]
     */
    static void moments(INDArray x, INDArray mean, INDArray var) {
        if (x.dataType() != DataType.FLOAT) {
            NativeOps.moments(x, mean, var);
            return;
        }
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.size(2) * x.size(3));
        double count = (double) n * hw;
        BatchNormKernel kernel = BatchNormKernel.best();
        float[] mu = new float[c];
        float[] sigma2 = new float[c];
        ChannelGroups.run(c, (from, to) -> {
            FloatPointer base = new FloatPointer(x.data().addressPointer()).position(x.offset());
            float[] row = new float[hw];
            double[] totals = new double[to - from];
            for (int s = 0; s < n; s++) {
                for (int k = from; k < to; k++) {
                    base.getPointer(((long) s * c + k) * hw).get(row);
                    totals[k - from] += kernel.sum(row, hw);
                }
            }
            for (int k = from; k < to; k++) {
                mu[k] = (float) (totals[k - from] / count);
                totals[k - from] = 0;
            }
            for (int s = 0; s < n; s++) {
                for (int k = from; k < to; k++) {
                    base.getPointer(((long) s * c + k) * hw).get(row);
                    totals[k - from] += kernel.squaredDeviations(row, hw, mu[k]);
                }
            }
            for (int k = from; k < to; k++) {
                sigma2[k] = (float) (totals[k - from] / count);
            }
        });
        mean.assign(Nd4j.createFromArray(mu).reshape(mean.shape()));
        var.assign(Nd4j.createFromArray(sigma2).reshape(var.shape()));
    }
}
