package org.symile.samediff.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of a {@link LayerNormLayer}. With x̂ = (x − μ)·r, r = 1/√(σ² + eps) per row, and g = dL/dy·γ:
 * dL/dx = r·(g − mean(g) − x̂·mean(g ⊙ x̂)), dL/dγ = Σ_rows dL/dy ⊙ x̂, dL/dβ = Σ_rows dL/dy.
 */
final class LayerNormLayerImpl extends BaseLayer<LayerNormLayer> {

    LayerNormLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    /** x̂ and r (a column [N, 1]) of the current input. */
    private INDArray[] normalise(INDArray x) {
        INDArray centred = x.subColumnVector(x.mean(true, 1));
        INDArray r = Transforms.pow(centred.mul(centred).mean(true, 1).addi(layerConf().getEps()), -0.5, false);
        return new INDArray[] {centred.muliColumnVector(r), r};
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = input.castTo(dataType);
        if (x.rank() != 2 || x.size(1) != layerConf().getNOut()) {
            throw new IllegalArgumentException(layerId() + ": expected [N, " + layerConf().getNOut() + "] input, got "
                    + java.util.Arrays.toString(x.shape()));
        }
        INDArray xhat = normalise(x)[0];
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        out.assign(xhat.muliRowVector(getParam(LayerNormLayer.GAMMA)).addiRowVector(getParam(LayerNormLayer.BETA)));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray[] n = normalise(input.castTo(dataType));
        INDArray xhat = n[0];
        INDArray dGamma = gradientViews.get(LayerNormLayer.GAMMA);
        INDArray dBeta = gradientViews.get(LayerNormLayer.BETA);
        dGamma.assign(epsilon.mul(xhat).sum(true, 0));
        dBeta.assign(epsilon.sum(true, 0));
        INDArray g = epsilon.mulRowVector(getParam(LayerNormLayer.GAMMA));
        INDArray dx = g.subColumnVector(g.mean(true, 1))
                .subi(xhat.mulColumnVector(g.mul(xhat).mean(true, 1))).muliColumnVector(n[1]);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, dx.shape(), 'c');
        out.assign(dx);
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(LayerNormLayer.GAMMA, dGamma);
        gradient.gradientForVariable().put(LayerNormLayer.BETA, dBeta);
        return new Pair<>(gradient, out);
    }
}
