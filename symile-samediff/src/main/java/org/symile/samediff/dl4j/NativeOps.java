package org.symile.samediff.dl4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * libnd4j's convolution, batch-norm and ReLU kernels called directly. In ND4J's {@code -onednn} builds they run
 * on oneDNN for float32 (the kernels are chosen for the host's instruction set at run time); other builds and
 * other data types use libnd4j's generic code with the same results. NCHW activations, [out, in, kH, kW]
 * weights, as PyTorch.
 */
final class NativeOps {
    private NativeOps() {
    }

    /** A c-ordered array with default strides: {@code a} itself or a copy. */
    static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : a.dup('c');
    }

    private static int[] convArgs(int k, int stride, int pad) {
        // kH, kW, sH, sW, pH, pW, dH, dW, same-mode 0, NCHW 0, weights [oC, iC, kH, kW] 1
        return new int[] {k, k, stride, stride, pad, pad, 1, 1, 0, 0, 1};
    }

    /** out [N, O, OH, OW] = conv(x [N, C, H, W], w [O, C, k, k]) with zero padding. */
    static void conv2d(INDArray x, INDArray w, INDArray out, int k, int stride, int pad) {
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w).addOutputs(out)
                .addIntegerArguments(convArgs(k, stride, pad)).build());
    }

    /** Gradients of {@link #conv2d} at x ({@code gx}) and w ({@code gw}) from the output gradient {@code g}. */
    static void conv2dBackward(INDArray x, INDArray w, INDArray g, INDArray gx, INDArray gw, int k, int stride,
                               int pad) {
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, g).addOutputs(gx, gw)
                .addIntegerArguments(convArgs(k, stride, pad)).build());
    }

    /** out = γ (x − mean) / √(var + eps) + β per channel (axis 1); mean, var, γ, β [C]. */
    static void batchNorm(INDArray x, INDArray mean, INDArray var, INDArray gamma, INDArray beta, double eps,
                          INDArray out) {
        Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x, mean, var, gamma, beta).addOutputs(out)
                .addIntegerArguments(1, 1, 1).addFloatingPointArguments(eps).build());
    }

    /**
     * out = g where y &gt; 0, else 0 (ReLU's gradient given its output or input y). Written as a step function and a
     * product: libnd4j's {@code relu_bp} calls a lambda per element and is several times slower.
     */
    static void reluBackward(INDArray y, INDArray g, INDArray out) {
        Nd4j.exec(new Step(y, out, 0.0));
        out.muli(g);
    }

    /** Per-channel (axis 1) mean and biased variance of NCHW {@code x} into {@code mean}, {@code var} ([C]). */
    static void moments(INDArray x, INDArray mean, INDArray var) {
        Nd4j.exec(DynamicCustomOp.builder("moments").addInputs(x).addOutputs(mean, var)
                .addIntegerArguments(0, 2, 3).build());
    }
}
