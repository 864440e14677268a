package org.symile.samediff.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * PyTorch's {@code nn.BatchNorm2d} (eps 1e-5, momentum 0.1) written arithmetically, because SameDiff M2.1's
 * {@code batchNorm} has no backward. The statistics used are selected by a scalar placeholder t (1 = training,
 * 0 = evaluation): m = t·mean_batch + (1−t)·running_mean and likewise the variance, so one graph serves both
 * modes and, in evaluation, no gradient flows through the batch statistics.
 * <pre>
 *   y = γ · (x − m) / sqrt(v + eps) + β        x [N, C, H, W]; statistics over N, H, W
 * </pre>
 * Running statistics are constants of the graph, updated outside it with {@link #update} from the batch mean
 * and (biased) variance the graph outputs; PyTorch stores the unbiased variance, so that is what is kept.
 */
public final class BatchNorm {
    public static final double EPS = 1e-5;
    public static final double MOMENTUM = 0.1;

    private final SDVariable gamma;
    private final SDVariable beta;
    private final SDVariable runningMean;
    private final SDVariable runningVar;
    private SDVariable batchMean;
    private SDVariable batchVar;
    private SDVariable batchCount;

    private BatchNorm(SDVariable gamma, SDVariable beta, SDVariable runningMean, SDVariable runningVar) {
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
    }

    /** γ = 1, β = 0, running mean 0 and variance 1, named {@code name.weight/bias/running_mean/running_var}. */
    public static BatchNorm create(SameDiff sd, String name, long channels, DataType dtype) {
        return new BatchNorm(sd.var(name + ".weight", Nd4j.ones(dtype, channels)),
                sd.var(name + ".bias", Nd4j.zeros(dtype, channels)),
                sd.constant(name + ".running_mean", Nd4j.zeros(dtype, channels)),
                sd.constant(name + ".running_var", Nd4j.ones(dtype, channels)));
    }

    /**
     * @param training scalar placeholder: 1 uses batch statistics, 0 running statistics
     */
    public SDVariable apply(SameDiff sd, SDVariable x, SDVariable training) {
        SDVariable mean = x.mean(true, 0, 2, 3);
        SDVariable centred = x.sub(mean);
        SDVariable var = centred.mul(centred).mean(true, 0, 2, 3);
        batchMean = sd.reshape(mean, -1);
        batchVar = sd.reshape(var, -1);
        batchCount = sd.sizeAt(x, 0).mul(sd.sizeAt(x, 2)).mul(sd.sizeAt(x, 3));
        SDVariable rm = sd.reshape(runningMean, 1, -1, 1, 1);
        SDVariable rv = sd.reshape(runningVar, 1, -1, 1, 1);
        SDVariable notTraining = training.rsub(1.0);
        SDVariable m = mean.mul(training).add(rm.mul(notTraining));
        SDVariable v = var.mul(training).add(rv.mul(notTraining));
        SDVariable norm = x.sub(m).mul(sd.math.rsqrt(v.add(EPS)));
        return norm.mul(sd.reshape(gamma, 1, -1, 1, 1)).add(sd.reshape(beta, 1, -1, 1, 1));
    }

    /** Batch mean [C] of the last {@link #apply} (a graph output to request in training steps). */
    public SDVariable batchMean() {
        return batchMean;
    }

    /** Values per channel in the batch, N·H·W (for the unbiased running variance). */
    public SDVariable batchCount() {
        return batchCount;
    }

    /** Biased batch variance [C]. */
    public SDVariable batchVar() {
        return batchVar;
    }

    /**
     * PyTorch's running update: r ← (1−momentum)·r + momentum·batch, with the variance made unbiased by
     * n/(n−1), n = N·H·W values per channel.
     */
    public void update(INDArray mean, INDArray biasedVar, long valuesPerChannel) {
        double unbias = valuesPerChannel > 1 ? valuesPerChannel / (double) (valuesPerChannel - 1) : 1.0;
        runningMean.getArr().muli(1 - MOMENTUM).addi(mean.castTo(runningMean.dataType()).mul(MOMENTUM));
        runningVar.getArr().muli(1 - MOMENTUM).addi(biasedVar.castTo(runningVar.dataType()).mul(MOMENTUM * unbias));
    }

    public SDVariable gamma() {
        return gamma;
    }

    public SDVariable beta() {
        return beta;
    }

    public SDVariable runningMean() {
        return runningMean;
    }

    public SDVariable runningVar() {
        return runningVar;
    }
}
