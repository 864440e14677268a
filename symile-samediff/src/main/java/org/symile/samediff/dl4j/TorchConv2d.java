package org.symile.samediff.dl4j;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's {@code nn.Conv2d(in, out, k, stride, padding, bias=False)} as a DL4J layer: square kernel, zero
 * padding, NCHW, weights [out, in, k, k] (parameter {@code W}), no activation. The computation is libnd4j's
 * {@code conv2d} kernel (oneDNN in the {@code -onednn} builds), or, for a 1×1 stride-1 kernel, one matrix product
 * per example ([out, in] × [in, H·W]); neither keeps an im2col buffer for backprop as DL4J's own
 * {@code ConvolutionLayer} does.
 */
public class TorchConv2d extends ConvolutionLayer {

    /** For JSON deserialisation. */
    public TorchConv2d() {
    }

    /**
     * @throws IllegalArgumentException for non-positive sizes or a negative padding
     */
    public TorchConv2d(String name, long in, long out, int kernel, int stride, int padding) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException(name + ": expected positive channels, kernel and stride and padding"
                    + " >= 0, got in=" + in + " out=" + out + " k=" + kernel + " s=" + stride + " p=" + padding);
        }
        setLayerName(name);
        setNIn(in);
        setNOut(out);
        setKernelSize(new int[] {kernel, kernel});
        setStride(new int[] {stride, stride});
        setPadding(new int[] {padding, padding});
        setDilation(new int[] {1, 1});
        setHasBias(false);
        setConvolutionMode(ConvolutionMode.Truncate);
        setActivationFn(new ActivationIdentity());
    }

    /** Output read by exactly one layer, which frees it after its backprop ({@link SoleConsumer}). */
    private boolean outputHasSoleConsumer;
    /** This layer is the only reader of its input and frees it after backprop ({@link SoleConsumer}). */
    private boolean soleConsumerOfInput;

    /**
     * Declares this layer's place on sole-consumer edges (set by the network builder, which knows the graph):
     * {@code outputHasSoleConsumer} when exactly one layer, itself declared {@code soleConsumerOfInput}, reads this
     * layer's output; {@code soleConsumerOfInput} when no other layer reads this layer's input. Both default to
     * false: every activation then lives until the backward pass ends, as in DL4J's own layers.
     *
     * @return this configuration
     */
    public TorchConv2d soleConsumerEdges(boolean outputHasSoleConsumer, boolean soleConsumerOfInput) {
        this.outputHasSoleConsumer = outputHasSoleConsumer;
        this.soleConsumerOfInput = soleConsumerOfInput;
        return this;
    }

    /** Whether exactly one layer reads this layer's output and frees it after its backprop. */
    public boolean isOutputHasSoleConsumer() {
        return outputHasSoleConsumer;
    }

    /** Whether this layer is the only reader of its input (and frees it after its backprop). */
    public boolean isSoleConsumerOfInput() {
        return soleConsumerOfInput;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        TorchConv2dLayer ret = new TorchConv2dLayer(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }
}
