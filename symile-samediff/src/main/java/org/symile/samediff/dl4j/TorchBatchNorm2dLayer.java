package org.symile.samediff.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer of a {@link TorchBatchNorm2d}: {@link BatchNormStats} and libnd4j's normalisation forward,
 * {@link BatchNormBackward} backward, PyTorch's running statistics.
 */
final class TorchBatchNorm2dLayer extends BatchNormalization {
    /** The last training forward pass's batch mean and biased variance [C], kept for backprop. */
    private INDArray batchMean;
    private INDArray batchVar;

    TorchBatchNorm2dLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private TorchBatchNorm2d torchConf() {
        return (TorchBatchNorm2d) layerConf();
    }

    private INDArray param(String name) {
        INDArray p = getParam(name);
        return p.reshape(p.length());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (input.rank() != 4) {
            throw new IllegalArgumentException(layerId() + ": expected NCHW input of rank 4, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        INDArray x = NativeOps.contiguous(input.castTo(dataType));
        INDArray mean;
        INDArray var;
        if (training) {
            long n = x.length() / x.size(1);
            if (n < 2) {
                throw new IllegalArgumentException(layerId() + ": expected more than 1 value per channel when"
                        + " training, got input shape " + java.util.Arrays.toString(x.shape()));
            }
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                batchMean = Nd4j.create(dataType, x.size(1));
                batchVar = Nd4j.create(dataType, x.size(1));
            }
            BatchNormStats.moments(x, batchMean, batchVar);
            mean = batchMean;
            var = batchVar;
        } else {
            mean = param(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            var = param(BatchNormalizationParamInitializer.GLOBAL_VAR);
        }
        INDArray out = SoleConsumer.output(torchConf().isOutputHasSoleConsumer(), training, workspaceMgr, dataType,
                x.shape());
        NativeOps.batchNorm(x, mean, var, param(BatchNormalizationParamInitializer.GAMMA),
                param(BatchNormalizationParamInitializer.BETA), torchConf().getEps(), out);
        if (torchConf().relu()) {
            Transforms.relu(out, false);
        }
        return out;
    }

    private static double[] values(INDArray vector) {
        return vector.castTo(DataType.DOUBLE).toDoubleVector();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (batchMean == null) {
            throw new IllegalStateException(layerId() + ": backprop without a training forward pass");
        }
        INDArray x = NativeOps.contiguous(input.castTo(dataType));
        INDArray g = NativeOps.contiguous(epsilon);
        double eps = torchConf().getEps();
        INDArray gx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        int c = (int) x.size(1);
        double[] dGammaValues = new double[c];
        double[] dBetaValues = new double[c];
        BatchNormBackward.run(x, g, values(batchMean), values(batchVar),
                values(param(BatchNormalizationParamInitializer.GAMMA)),
                values(param(BatchNormalizationParamInitializer.BETA)), eps, torchConf().relu(), gx,
                dGammaValues, dBetaValues);
        if (torchConf().isSoleConsumerOfInput()) {
            SoleConsumer.release(input);
        }
        INDArray dGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray dBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        dGamma.assign(Nd4j.createFromArray(dGammaValues).castTo(dataType).reshape(dGamma.shape()));
        dBeta.assign(Nd4j.createFromArray(dBetaValues).castTo(dataType).reshape(dBeta.shape()));
        // running statistics: stat ← stat − Δ (NoOp updater), Δ = momentum·(stat − batch), unbiased batch variance
        double momentum = 1 - torchConf().getDecay();
        long n = x.length() / x.size(1);
        INDArray dMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dVar = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
        dMean.assign(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                .sub(batchMean.reshape(dMean.shape())).muli(momentum));
        dVar.assign(getParam(BatchNormalizationParamInitializer.GLOBAL_VAR)
                .sub(batchVar.mul((double) n / (n - 1)).reshape(dVar.shape())).muli(momentum));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGamma);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBeta);
        gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dMean);
        gradient.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_VAR, dVar);
        return new Pair<>(gradient, gx);
    }
}
