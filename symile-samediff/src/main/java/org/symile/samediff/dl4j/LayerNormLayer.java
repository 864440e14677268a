package org.symile.samediff.dl4j;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's {@code nn.LayerNorm(d)} (eps 1e-5) as a DL4J layer: [N, d] → [N, d],
 * y = (x − mean) / √(var + eps) · γ + β over the features with the biased variance; γ = 1 and β = 0 initially.
 * γ is a weight and β a bias parameter, so a network's weight decay reaches both (AdamW decays every
 * parameter). Forward and backward are written out in ND4J ops (a SameDiffLayer of the same arithmetic returned
 * twice the input gradient in DL4J M2.1's gradient check).
 */
public class LayerNormLayer extends FeedForwardLayer {
    /** Parameter names (DL4J's cannot contain underscores). */
    public static final String GAMMA = "gamma";
    public static final String BETA = "beta";

    private double eps = 1e-5;

    /** For JSON deserialisation. */
    public LayerNormLayer() {
    }

    /** A layer normalising {@code size} features. */
    public LayerNormLayer(String name, long size) {
        if (size < 1) {
            throw new IllegalArgumentException(name + ": expected a positive size, got " + size);
        }
        setLayerName(name);
        setNIn(size);
        setNOut(size);
        setActivationFn(new ActivationIdentity());
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        LayerNormLayerImpl ret = new LayerNormLayerImpl(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public ParamInitializer initializer() {
        return LayerNormParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(getNOut());
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long n = getNOut();
        return new LayerMemoryReport.Builder(getLayerName(), LayerNormLayer.class, inputType,
                getOutputType(-1, inputType)).standardMemory(2 * n, 2 * n * 2)
                .workingMemory(0, 2 * n, 0, 4 * n).cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS,
                        MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    /** γ ([1, d], ones) and β ([1, d], zeros), in that order in the flattened view. */
    static final class LayerNormParams implements ParamInitializer {
        static final LayerNormParams INSTANCE = new LayerNormParams();

        @Override
        public long numParams(NeuralNetConfiguration conf) {
            return numParams(conf.getLayer());
        }

        @Override
        public long numParams(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return 2 * ((FeedForwardLayer) layer).getNOut();
        }

        @Override
        public List<String> paramKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return List.of(GAMMA, BETA);
        }

        @Override
        public List<String> weightKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return List.of(GAMMA);
        }

        @Override
        public List<String> biasKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
            return List.of(BETA);
        }

        @Override
        public boolean isWeightParam(org.deeplearning4j.nn.conf.layers.Layer layer, String key) {
            return GAMMA.equals(key);
        }

        @Override
        public boolean isBiasParam(org.deeplearning4j.nn.conf.layers.Layer layer, String key) {
            return BETA.equals(key);
        }

        @Override
        public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
            Map<String, INDArray> m = views(conf, paramsView);
            if (initializeParams) {
                m.get(GAMMA).assign(1.0);
                m.get(BETA).assign(0.0);
            }
            for (String k : m.keySet()) {
                conf.addVariable(k);
            }
            return m;
        }

        @Override
        public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
            return views(conf, gradientView);
        }

        private Map<String, INDArray> views(NeuralNetConfiguration conf, INDArray flat) {
            long n = ((FeedForwardLayer) conf.getLayer()).getNOut();
            INDArray f = flat.reshape(flat.length());
            Map<String, INDArray> m = new java.util.LinkedHashMap<>();
            m.put(GAMMA, f.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)).reshape(1, n));
            m.put(BETA, f.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(n, 2 * n)).reshape(1, n));
            return m;
        }
    }
}
