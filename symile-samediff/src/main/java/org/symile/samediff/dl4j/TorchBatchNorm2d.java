package org.symile.samediff.dl4j;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * PyTorch's {@code nn.BatchNorm2d(C)} (eps 1e-5, momentum 0.1) as a DL4J layer, optionally followed by a ReLU:
 * in training the batch's mean and biased variance normalise, and the running statistics move by
 * {@code running ← (1 − 0.1)·running + 0.1·batch} with the <em>unbiased</em> batch variance (DL4J's own
 * BatchNormalization uses the biased one); otherwise the running statistics normalise. Parameters:
 * {@code gamma}, {@code beta}, {@code mean}, {@code var} (torchvision's weight, bias, running_mean, running_var).
 * The running statistics are updated the way DL4J updates its own ({@code stat ← stat − Δ} through a NoOp
 * updater, with Δ the layer's "gradient"), so DL4J training, gradient sharing and this project's trainer all
 * keep them. Unlike DL4J's layer, γ and β take the network's weight decay, as {@code torch.optim.AdamW} decays
 * every parameter.
 */
public class TorchBatchNorm2d extends BatchNormalization {
    /** PyTorch's default momentum of the running statistics. */
    public static final double MOMENTUM = 0.1;
    /** PyTorch's default epsilon. */
    public static final double EPS = 1e-5;

    /** For JSON deserialisation. */
    public TorchBatchNorm2d() {
    }

    /**
     * @param relu apply ReLU to the output (fused: its gradient is recomputed in backprop, not stored)
     */
    public TorchBatchNorm2d(String name, long channels, boolean relu) {
        if (channels < 1) {
            throw new IllegalArgumentException(name + ": expected a positive channel count, got " + channels);
        }
        setLayerName(name);
        setNIn(channels);
        setNOut(channels);
        setDecay(1 - MOMENTUM);
        setEps(EPS);
        setLockGammaBeta(false);
        setCnn2DFormat(CNN2DFormat.NCHW);
        setActivationFn(relu ? new ActivationReLU() : new ActivationIdentity());
    }

    /** Output read by exactly one layer, which frees it after its backprop ({@link SoleConsumer}). */
    private boolean outputHasSoleConsumer;
    /** This layer is the only reader of its input and frees it after backprop ({@link SoleConsumer}). */
    private boolean soleConsumerOfInput;

    /**
     * Declares this layer's place on sole-consumer edges (set by the network builder, which knows the graph):
     * {@code outputHasSoleConsumer} when exactly one layer or vertex, itself declared the sole consumer of that
     * input (a {@code soleConsumerOfInput} layer, an {@link AddReluVertex} with {@code soleConsumerOfSecondInput}),
     * reads this layer's output; {@code soleConsumerOfInput} when no other layer reads this layer's input. Both
     * default to false: every activation then lives until the backward pass ends, as in DL4J's own layers.
     *
     * @return this configuration
     */
    public TorchBatchNorm2d soleConsumerEdges(boolean outputHasSoleConsumer, boolean soleConsumerOfInput) {
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

    /**
     * Always false: the running variance is stored as a variance, as torchvision's {@code running_var}. (DL4J's
     * graph deserialiser sets this flag from whether an initialised layer lists a "var" parameter, which a
     * configuration that was never initialised does not.)
     */
    @Override
    public boolean isUseLogStd() {
        return false;
    }

    /** Ignored; see {@link #isUseLogStd()}. */
    @Override
    public void setUseLogStd(boolean useLogStd) {
        super.setUseLogStd(false);
    }

    /** Whether the output goes through a ReLU. */
    public boolean relu() {
        return getActivationFn() instanceof ActivationReLU;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        TorchBatchNorm2dLayer ret = new TorchBatchNorm2dLayer(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return switch (paramName) {
            case BatchNormalizationParamInitializer.GAMMA -> getRegularization();
            case BatchNormalizationParamInitializer.BETA -> getRegularizationBias();
            default -> null;
        };
    }
}
