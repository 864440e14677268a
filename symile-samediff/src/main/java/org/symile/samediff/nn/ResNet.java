package org.symile.samediff.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * torchvision's ResNet-18 and ResNet-50 (v1.5: stride on the 3×3 of the bottleneck) as SameDiff graphs, without
 * the final fc: [N, C_in, H, W] -> [N, 512] (18) or [N, 2048] (50) after global average pooling. Convolutions are
 * bias-free with zero padding, batch norm is {@link BatchNorm} (eps 1e-5, momentum 0.1) selected by a training
 * placeholder, max pooling is 3×3 stride 2 padding 1. Initialisation follows torchvision (kaiming-normal,
 * fan_out, ReLU gain; BN γ = 1, β = 0). Parameters carry torchvision's state-dict names
 * ({@code layer1.0.conv1.weight}, {@code bn1.running_mean}, ...), so {@link #load} maps a .pth state dict.
 * Convolution weights are stored [kH, kW, C_in, C_out] (SameDiff's layout with an exact gradient).
 */
public final class ResNet {
    private final Map<String, SDVariable> params = new LinkedHashMap<>();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final List<String> normNames = new ArrayList<>();
    private final SameDiff sd;
    private final String prefix;
    private final RandomGenerator rng;
    private final DataType dtype;
    private final SDVariable output;
    private final long features;

    private ResNet(SameDiff sd, String prefix, boolean bottleneck, int[] blocks, long inChannels, long base,
                   SDVariable x, SDVariable training, RandomGenerator rng, DataType dtype) {
        this.sd = sd;
        this.prefix = prefix;
        this.rng = rng;
        this.dtype = dtype;
        SDVariable h = conv(x, "conv1", inChannels, base, 7, 2, 3);
        h = sd.nn.relu(bn(h, "bn1", base, training), 0);
        h = sd.cnn.maxPooling2d(h, Pooling2DConfig.builder().kH(3).kW(3).sH(2).sW(2).pH(1).pW(1)
                .paddingMode(PaddingMode.VALID).isNHWC(false).build());
        long in = base;
        int expansion = bottleneck ? 4 : 1;
        long[] widths = {base, 2 * base, 4 * base, 8 * base};
        for (int l = 0; l < 4; l++) {
            for (int b = 0; b < blocks[l]; b++) {
                int stride = (b == 0 && l > 0) ? 2 : 1;
                String n = "layer" + (l + 1) + "." + b;
                long out = widths[l] * expansion;
                SDVariable identity = h;
                if (stride != 1 || in != out) {
                    identity = bn(conv(h, n + ".downsample.0", in, out, 1, stride, 0), n + ".downsample.1", out,
                            training);
                }
                if (bottleneck) {
                    SDVariable y = sd.nn.relu(bn(conv(h, n + ".conv1", in, widths[l], 1, 1, 0), n + ".bn1", widths[l],
                            training), 0);
                    y = sd.nn.relu(bn(conv(y, n + ".conv2", widths[l], widths[l], 3, stride, 1), n + ".bn2", widths[l],
                            training), 0);
                    y = bn(conv(y, n + ".conv3", widths[l], out, 1, 1, 0), n + ".bn3", out, training);
                    h = sd.nn.relu(y.add(identity), 0);
                } else {
                    SDVariable y = sd.nn.relu(bn(conv(h, n + ".conv1", in, out, 3, stride, 1), n + ".bn1", out,
                            training), 0);
                    y = bn(conv(y, n + ".conv2", out, out, 3, 1, 1), n + ".bn2", out, training);
                    h = sd.nn.relu(y.add(identity), 0);
                }
                in = out;
            }
        }
        this.output = h.mean(2, 3);
        this.features = in;
    }

    /**
     * ResNet-18 (basic blocks [2, 2, 2, 2]); output [N, 8·base] (512 for torchvision's base width 64).
     *
     * @param prefix prepended to every variable name
     * @param base   channels of conv1 and layer1 (64 in torchvision; smaller for tests)
     */
    public static ResNet resnet18(SameDiff sd, String prefix, long inChannels, long base, SDVariable x,
                                  SDVariable training, RandomGenerator rng, DataType dtype) {
        return new ResNet(sd, prefix, false, new int[] {2, 2, 2, 2}, inChannels, base, x, training, rng, dtype);
    }

    /** ResNet-50 (bottleneck blocks [3, 4, 6, 3]); output [N, 32·base] (2048 for base width 64). */
    public static ResNet resnet50(SameDiff sd, String prefix, long inChannels, long base, SDVariable x,
                                  SDVariable training, RandomGenerator rng, DataType dtype) {
        return new ResNet(sd, prefix, true, new int[] {3, 4, 6, 3}, inChannels, base, x, training, rng, dtype);
    }

    private SDVariable conv(SDVariable x, String name, long in, long out, int k, int stride, int pad) {
        double std = Math.sqrt(2.0 / (out * k * k));
        double[] w = new double[Math.toIntExact(k * k * in * out)];
        for (int i = 0; i < w.length; i++) {
            w[i] = std * rng.nextGaussian();
        }
        SDVariable weight = sd.var(prefix + name + ".weight", Nd4j.create(w, new long[] {k, k, in, out},
                DataType.DOUBLE).castTo(dtype));
        params.put(name + ".weight", weight);
        return sd.cnn.conv2d(x, weight, Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride).pH(pad).pW(pad)
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").build());
    }

    private SDVariable bn(SDVariable x, String name, long channels, SDVariable training) {
        BatchNorm b = BatchNorm.create(sd, prefix + name, channels, dtype);
        params.put(name + ".weight", b.gamma());
        params.put(name + ".bias", b.beta());
        params.put(name + ".running_mean", b.runningMean());
        params.put(name + ".running_var", b.runningVar());
        norms.add(b);
        normNames.add(name);
        return b.apply(sd, x, training);
    }

    /** Pooled features [N, C]. */
    public SDVariable output() {
        return output;
    }

    /** Width of {@link #output()}: 512 or 2048. */
    public long features() {
        return features;
    }

    /** Parameters and running statistics by torchvision state-dict name. */
    public Map<String, SDVariable> parameters() {
        return params;
    }

    /** Every batch norm of the network, in graph order. */
    public List<BatchNorm> batchNorms() {
        return norms;
    }

    /**
     * Copies a torchvision state dict into the network: conv weights [out, in, kH, kW] are permuted to
     * [kH, kW, in, out]; {@code fc.*} and {@code num_batches_tracked} are ignored, as are names in {@code skip}.
     *
     * @throws IllegalArgumentException for a missing tensor or a shape that does not match
     */
    public void load(Map<String, INDArray> stateDict, java.util.Set<String> skip, String source) {
        for (Map.Entry<String, SDVariable> e : params.entrySet()) {
            String k = e.getKey();
            if (skip.contains(k)) {
                continue;
            }
            INDArray a = stateDict.get(k);
            if (a == null) {
                throw new IllegalArgumentException(source + ": missing tensor '" + k + "'");
            }
            if (a.rank() == 4) {
                a = a.permute(2, 3, 1, 0);
            }
            INDArray target = e.getValue().getArr();
            if (!java.util.Arrays.equals(target.shape(), a.shape())) {
                throw new IllegalArgumentException(source + ": tensor '" + k + "' has shape "
                        + java.util.Arrays.toString(a.shape()) + ", expected " + java.util.Arrays.toString(
                        target.shape()));
            }
            target.assign(a.castTo(target.dataType()));
        }
    }
}
