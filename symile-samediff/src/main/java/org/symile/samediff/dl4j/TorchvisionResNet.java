package org.symile.samediff.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * torchvision's ResNet-18 and ResNet-50 (v1.5: the stride sits on the bottleneck's 3×3) without the final fc, as
 * DL4J layers added to a {@code ComputationGraph}: [N, C_in, H, W] → [N, 8·base] (18) or [N, 32·base] (50) after
 * global average pooling. Convolutions are {@link TorchConv2d} (bias-free, zero padding), batch norms
 * {@link TorchBatchNorm2d} (ReLU fused where torchvision applies one before the next convolution), max pooling
 * 3×3 stride 2 padding 1, residual sums and their ReLU one {@link AddReluVertex}. Layers carry
 * torchvision's module names after a prefix ({@code cxr.layer1.0.conv1}), so a torchvision state dict maps onto
 * them by name ({@link #load}).
 */
public final class TorchvisionResNet {

    /** The two depths upstream uses. */
    public enum Depth {
        RESNET18(new int[] {2, 2, 2, 2}, false),
        RESNET50(new int[] {3, 4, 6, 3}, true);

        private final int[] blocks;
        private final boolean bottleneck;

        Depth(int[] blocks, boolean bottleneck) {
            this.blocks = blocks;
            this.bottleneck = bottleneck;
        }

        /** Width of the pooled output for a base width (torchvision's base is 64). */
        public long features(long base) {
            return 8 * base * (bottleneck ? 4 : 1);
        }
    }

    /** One convolution of the network: its torchvision name and shape. */
    record Conv(String name, long in, long out, int kernel, int stride, int pad) {
    }

    private final Depth depth;
    private final int[] blocks;
    private final boolean bottleneck;
    private final long inChannels;
    private final long base;
    private final List<Conv> convs = new ArrayList<>();
    private final List<String> norms = new ArrayList<>();

    /**
     * @param inChannels input channels (3 for images, 1 for the ECG)
     * @param base       channels of conv1 and layer1 (64 in torchvision; smaller for tests and demos)
     */
    public TorchvisionResNet(Depth depth, long inChannels, long base) {
        if (inChannels < 1 || base < 1) {
            throw new IllegalArgumentException("ResNet: expected positive input channels and base width, got "
                    + inChannels + ", " + base);
        }
        this.depth = depth;
        this.blocks = depth.blocks.clone();
        this.bottleneck = depth.bottleneck;
        this.inChannels = inChannels;
        this.base = base;
    }

    /** A network of torchvision's structure with other block counts (tests: every block kind, fewer layers). */
    TorchvisionResNet(int[] blocks, boolean bottleneck, long inChannels, long base) {
        this.depth = null;
        this.blocks = blocks.clone();
        this.bottleneck = bottleneck;
        this.inChannels = inChannels;
        this.base = base;
    }

    public Depth depth() {
        return depth;
    }

    /** Width of the pooled output. */
    public long features() {
        int last = 0;
        for (int l = 0; l < blocks.length; l++) {
            last = blocks[l] > 0 ? l : last;
        }
        return (base << last) * (bottleneck ? 4 : 1);
    }

    /**
     * Adds the network's layers to {@code g}, each named {@code prefix + torchvision name}.
     *
     * @param input the vertex holding the NCHW input
     * @return the name of the pooled [N, features] output
     */
    public String addTo(GraphBuilder g, String prefix, String input) {
        convs.clear();
        norms.clear();
        String h = convBn(g, prefix, "conv1", "bn1", input, inChannels, base, 7, 2, 3, true, false, false);
        g.addLayer(prefix + "maxpool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build(), h);
        h = prefix + "maxpool";
        long in = base;
        int expansion = bottleneck ? 4 : 1;
        for (int l = 0; l < 4; l++) {
            long width = base << l;
            long out = width * expansion;
            for (int b = 0; b < blocks[l]; b++) {
                int stride = (b == 0 && l > 0) ? 2 : 1;
                String n = "layer" + (l + 1) + "." + b + ".";
                String identity = h;
                if (stride != 1 || in != out) {
                    identity = convBn(g, prefix, n + "downsample.0", n + "downsample.1", h, in, out, 1, stride, 0,
                            false, false, true);
                }
                String y;
                if (bottleneck) {
                    y = convBn(g, prefix, n + "conv1", n + "bn1", h, in, width, 1, 1, 0, true, false, true);
                    y = convBn(g, prefix, n + "conv2", n + "bn2", y, width, width, 3, stride, 1, true, true, true);
                    y = convBn(g, prefix, n + "conv3", n + "bn3", y, width, out, 1, 1, 0, false, true, false);
                } else {
                    y = convBn(g, prefix, n + "conv1", n + "bn1", h, in, out, 3, stride, 1, true, false, true);
                    y = convBn(g, prefix, n + "conv2", n + "bn2", y, out, out, 3, 1, 1, false, true, false);
                }
                // the last batch norm's output feeds only this sum, as does a downsample's; the branch's batch
                // norms only read the gradient, and the block input's other gradient (from conv1) comes after
                // the branch's backprop
                g.addVertex(prefix + n + "relu", new AddReluVertex(true).residualEdges(!identity.equals(h), true),
                        y, identity);
                h = prefix + n + "relu";
                in = out;
            }
        }
        g.addLayer(prefix + "avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), h);
        return prefix + "avgpool";
    }

    /**
     * A convolution and its batch norm. The convolution's output is read only by the batch norm, so it is always
     * freed once the batch norm's backprop ran; {@code convOwnsInput} when no other layer reads the convolution's
     * input (the previous batch norm's output inside a block, which that batch norm then emits for release:
     * {@code bnOutputOwned} on the previous pair).
     */
    private String convBn(GraphBuilder g, String prefix, String conv, String bn, String input, long in, long out,
                          int k, int stride, int pad, boolean relu, boolean convOwnsInput, boolean bnOutputOwned) {
        convs.add(new Conv(conv, in, out, k, stride, pad));
        norms.add(bn);
        g.addLayer(prefix + conv, new TorchConv2d(prefix + conv, in, out, k, stride, pad)
                .soleConsumerEdges(true, convOwnsInput), input);
        g.addLayer(prefix + bn, new TorchBatchNorm2d(prefix + bn, out, relu).soleConsumerEdges(bnOutputOwned, true),
                prefix + conv);
        return prefix + bn;
    }

    /**
     * torchvision's initialisation, as a state dict: convolution weights kaiming-normal (fan_out, ReLU gain)
     * drawn from {@code rng} in the order the network is built (a block's downsample first), element order
     * [kH, kW, in, out] (as the project's earlier SameDiff ResNet drew them, so seeded runs keep their weights);
     * batch norm γ = 1, β = 0, running mean 0 and variance 1. Requires {@link #addTo} first.
     */
    public Map<String, INDArray> initialState(RandomGenerator rng, DataType dtype) {
        requireBuilt();
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (Conv c : convs) {
            double std = Math.sqrt(2.0 / (c.out() * c.kernel() * c.kernel()));
            double[] w = new double[Math.toIntExact((long) c.kernel() * c.kernel() * c.in() * c.out())];
            for (int i = 0; i < w.length; i++) {
                w[i] = std * rng.nextGaussian();
            }
            INDArray drawn = Nd4j.create(w, new long[] {c.kernel(), c.kernel(), c.in(), c.out()}, DataType.DOUBLE);
            INDArray weight = drawn.permute(3, 2, 0, 1).castTo(dtype);
            if (dtype != DataType.DOUBLE) {
                // freed now rather than when the garbage collector gets to it (~0.2 GB for a ResNet-50)
                drawn.close();
            }
            state.put(c.name() + ".weight", weight);
        }
        for (int i = 0; i < norms.size(); i++) {
            String bn = norms.get(i);
            long ch = convs.get(i).out();
            state.put(bn + ".weight", Nd4j.ones(dtype, ch));
            state.put(bn + ".bias", Nd4j.zeros(dtype, ch));
            state.put(bn + ".running_mean", Nd4j.zeros(dtype, ch));
            state.put(bn + ".running_var", Nd4j.ones(dtype, ch));
        }
        return state;
    }

    /**
     * Copies a torchvision state dict into the graph's layers: {@code <conv>.weight} → {@code W},
     * {@code <bn>.weight/bias/running_mean/running_var} → {@code gamma/beta/mean/var}. {@code fc.*} and
     * {@code num_batches_tracked} are ignored, as are the names in {@code skip}.
     *
     * @throws IllegalArgumentException naming the tensor when one is missing or of another shape
     */
    public void load(ComputationGraph cg, String prefix, Map<String, INDArray> stateDict, Set<String> skip,
                     String source) {
        requireBuilt();
        for (Conv c : convs) {
            copy(cg, prefix + c.name(), ConvolutionParamInitializer.WEIGHT_KEY, c.name() + ".weight", stateDict,
                    skip, source);
        }
        String[][] bnParams = {{".weight", BatchNormalizationParamInitializer.GAMMA},
            {".bias", BatchNormalizationParamInitializer.BETA},
            {".running_mean", BatchNormalizationParamInitializer.GLOBAL_MEAN},
            {".running_var", BatchNormalizationParamInitializer.GLOBAL_VAR}};
        for (String bn : norms) {
            for (String[] p : bnParams) {
                copy(cg, prefix + bn, p[1], bn + p[0], stateDict, skip, source);
            }
        }
    }

    private static void copy(ComputationGraph cg, String layer, String param, String key,
                             Map<String, INDArray> stateDict, Set<String> skip, String source) {
        if (skip.contains(key)) {
            return;
        }
        INDArray a = stateDict.get(key);
        if (a == null) {
            throw new IllegalArgumentException(source + ": missing tensor '" + key + "'");
        }
        INDArray target = cg.getLayer(layer).getParam(param);
        if (a.length() != target.length() || (a.rank() == 4 && !Arrays.equals(a.shape(), target.shape()))) {
            throw new IllegalArgumentException(source + ": tensor '" + key + "' has shape "
                    + Arrays.toString(a.shape()) + ", expected " + Arrays.toString(target.shape()));
        }
        target.assign(a.reshape(target.shape()).castTo(target.dataType()));
    }

    private void requireBuilt() {
        if (convs.isEmpty()) {
            throw new IllegalStateException("add the network to a graph first (addTo)");
        }
    }
}
