package org.symile.samediff.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.Rows;

/** The layer of a {@link TorchConv2d}: forward and backward through {@link NativeOps} or per-example GEMMs. */
final class TorchConv2dLayer extends ConvolutionLayer {

    TorchConv2dLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private TorchConv2d torchConf() {
        return (TorchConv2d) layerConf();
    }

    private int kernel() {
        return layerConf().getKernelSize()[0];
    }

    private int stride() {
        return layerConf().getStride()[0];
    }

    private int pad() {
        return layerConf().getPadding()[0];
    }

    /**
     * Multiply-accumulates per example from which a 1×1, stride-1, unpadded convolution runs as one matrix product
     * per example: for large planes that is 2–4x faster than oneDNN's 1×1 convolution on NCHW arrays (which
     * reorders them to its blocked layout each call), but each product costs ~30 µs of call overhead, so small
     * planes (the narrow, low-resolution networks of the synthetic data) go through the convolution kernel.
     * Not final so that tests can send small layers down both paths.
     */
    static volatile long pointwiseGemmMinMacs = 1L << 20;

    /**
     * Input plus output elements per native convolution call. oneDNN's reorder and scratch buffers grow with the
     * batch (at Symile-MIMIC's 320×320 chest X-rays and B 32, conv1's im2col scratch alone is ~0.5 GB, allocated
     * per call); larger batches are convolved in slices of whole examples, which keeps those transients at the
     * size of a batch of a few examples and costs one call per slice.
     */
    static volatile long callElements = 1L << 24;

    /** Examples per native call for this layer's input {@code x} and output {@code out}. */
    private static long slice(INDArray x, INDArray out) {
        long perExample = (x.length() + out.length()) / x.size(0);
        return Math.max(1, callElements / perExample);
    }

    private static INDArray examples(INDArray a, long from, long to) {
        return Rows.range(a, from, to);
    }

    /**
     * Whether this layer's product for input {@code x} runs as per-example GEMMs: 1×1 unpadded convolutions, a
     * strided one on the subsampled input. oneDNN's backward pass of the ResNet-50 downsample (1×1, stride 2,
     * 256 → 512 channels at 80×80) took 364 ms at B 8 against PyTorch's 169 ms; as GEMMs it is a fraction of that.
     */
    private boolean pointwise(INDArray x, INDArray w) {
        long planes = ((x.size(2) - 1) / stride() + 1) * ((x.size(3) - 1) / stride() + 1);
        return kernel() == 1 && pad() == 0 && w.size(0) * w.size(1) * planes >= pointwiseGemmMinMacs;
    }

    /** x itself at stride 1, else the contiguous copy of x[:, :, ::s, ::s] in {@code type}'s workspace. */
    private INDArray subsampled(INDArray x, LayerWorkspaceMgr mgr, ArrayType type) {
        return stride() == 1 ? x : mgr.dup(type, strided(x), 'c');
    }

    /** The view a[:, :, ::s, ::s] of a contiguous [N, C, H, W] (built directly, as {@link #plane}). */
    private INDArray strided(INDArray a) {
        long s = stride();
        long h = a.size(2);
        long w = a.size(3);
        return Nd4j.create(a.data(), new long[] {a.size(0), a.size(1), (h - 1) / s + 1, (w - 1) / s + 1},
                new long[] {a.size(1) * h * w, h * w, s * w, s}, a.offset(), 'c', a.dataType());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.rank() != 4) {
            throw new IllegalArgumentException(layerId() + ": expected NCHW input of rank 4, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        INDArray x = NativeOps.contiguous(input.castTo(dataType));
        INDArray w = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        long n = x.size(0);
        long oh = (x.size(2) + 2L * pad() - kernel()) / stride() + 1;
        long ow = (x.size(3) + 2L * pad() - kernel()) / stride() + 1;
        if (x.size(1) != w.size(1) || oh < 1 || ow < 1) {
            throw new IllegalArgumentException(layerId() + ": input " + java.util.Arrays.toString(x.shape())
                    + " does not fit a " + kernel() + "x" + kernel() + " convolution of " + w.size(1) + " channels");
        }
        INDArray out = SoleConsumer.output(torchConf().isOutputHasSoleConsumer(), training, workspaceMgr, dataType,
                new long[] {n, w.size(0), oh, ow});
        if (pointwise(x, w)) {
            INDArray w2 = w.reshape(w.size(0), w.size(1));
            INDArray xs = subsampled(x, workspaceMgr, ArrayType.FF_WORKING_MEM);
            for (long i = 0; i < n; i++) {
                Nd4j.gemm(w2, plane(xs, i), plane(out, i), false, false, 1.0, 0.0);
            }
        } else {
            long step = slice(x, out);
            for (long from = 0; from < n; from += step) {
                long to = Math.min(n, from + step);
                NativeOps.conv2d(step >= n ? x : examples(x, from, to), w, step >= n ? out : examples(out, from, to),
                        kernel(), stride(), pad());
            }
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = NativeOps.contiguous(input.castTo(dataType));
        INDArray g = NativeOps.contiguous(epsilon);
        INDArray w = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray gw = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray gx;
        if (pointwise(x, w)) {
            INDArray w2 = w.reshape(w.size(0), w.size(1));
            INDArray gw2 = gw.reshape(gw.size(0), gw.size(1));
            INDArray xs = subsampled(x, workspaceMgr, ArrayType.BP_WORKING_MEM);
            INDArray gxs = stride() == 1
                    ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c')
                    : workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, xs.shape(), 'c');
            for (long i = 0; i < x.size(0); i++) {
                INDArray gi = plane(g, i);
                Nd4j.gemm(w2, gi, plane(gxs, i), true, false, 1.0, 0.0);
                Nd4j.gemm(gi, plane(xs, i), gw2, false, true, 1.0, i == 0 ? 0.0 : 1.0);
            }
            if (stride() == 1) {
                gx = gxs;
            } else {
                // the input positions the stride skips get no gradient
                gx = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
                strided(gx).assign(gxs);
            }
        } else {
            gx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
            long n = x.size(0);
            long step = slice(x, g);
            if (step >= n) {
                NativeOps.conv2dBackward(x, w, g, gx, gw, kernel(), stride(), pad());
            } else {
                INDArray part = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, gw.shape(), 'c');
                for (long from = 0; from < n; from += step) {
                    long to = Math.min(n, from + step);
                    NativeOps.conv2dBackward(examples(x, from, to), w, examples(g, from, to), examples(gx, from, to),
                            from == 0 ? gw : part, kernel(), stride(), pad());
                    if (from > 0) {
                        gw.addi(part);
                    }
                }
            }
        }
        if (torchConf().isSoleConsumerOfInput()) {
            SoleConsumer.release(input);
        }
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, gw);
        weightNoiseParams.clear();
        return new Pair<>(gradient, gx);
    }

    /** Example i of a contiguous [N, C, H, W] as a [C, H·W] view (built directly: a TAD costs 4x as much). */
    private static INDArray plane(INDArray a, long i) {
        long c = a.size(1);
        long hw = a.size(2) * a.size(3);
        return Nd4j.create(a.data(), new long[] {c, hw}, new long[] {hw, 1}, a.offset() + i * c * hw, 'c',
                a.dataType());
    }
}
