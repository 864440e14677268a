package org.symile.app.mimic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.config.TrainArgs;
import org.symile.app.models.PretrainedWeights;
import org.symile.app.train.Batch;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossGraph;
import org.symile.samediff.nn.BatchNorm;
import org.symile.samediff.nn.Gelu;
import org.symile.samediff.nn.LayerNorm;
import org.symile.samediff.nn.Linear;
import org.symile.samediff.nn.ResNet;

/**
 * The Symile-MIMIC model (spec §6.5), modality order (CXR, ECG, labs): ResNet-50 on the CXR and ResNet-18 with a
 * one-channel conv1 on the ECG (as a 1×T×12 image), each with fc → d and LayerNorm; labs MLP 100 → 256 → 1024 →
 * d with exact GELU and LayerNorm on [percentiles, observed-indicators]. No L2 normalisation. Batch norm uses
 * batch statistics in training and running statistics otherwise; running statistics are updated after every
 * training step from the statistics the graph returns. With {@code pretrained}, torchvision ImageNet weights
 * (ResNet-50 V2 for the CXR, ResNet-18 V1 for the ECG, whose conv1 stays random) are loaded.
 */
public final class MimicModel implements TrainableModel {
    private final SameDiff sd = SameDiff.create();
    private final LogitScale scale;
    private final LossGraph loss;
    private final List<String> trainable = new ArrayList<>();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final List<String> statsOutputs = new ArrayList<>();
    private final String lossFn;

    /** Input sizes and the ResNets' base width (64 as torchvision; smaller only for tests and demos). */
    public record Sizes(long[] cxr, long[] ecg, long d, long baseWidth) {
    }

    /**
     * @param loadPretrained with {@code --pretrained True}, load torchvision weights (false when a checkpoint will
     *                       overwrite them anyway)
     */
    public MimicModel(Sizes s, TrainArgs args, RandomGenerator init, boolean loadPretrained) {
        this.lossFn = args.lossFn();
        DataType f = DataType.FLOAT;
        SDVariable training = sd.placeHolder("bn_train", f);
        SDVariable cxr = sd.placeHolder("cxr", f, -1, s.cxr()[0], s.cxr()[1], s.cxr()[2]);
        SDVariable ecg = sd.placeHolder("ecg", f, -1, s.ecg()[0], s.ecg()[1], s.ecg()[2]);
        SDVariable labs = sd.placeHolder("labs", f, -1, 100);
        ResNet cxrNet = ResNet.resnet50(sd, "cxr.", s.cxr()[0], s.baseWidth(), cxr, training, init, f);
        ResNet ecgNet = ResNet.resnet18(sd, "ecg.", s.ecg()[0], s.baseWidth(), ecg, training, init, f);
        if (loadPretrained && args.mimic().pretrained()) {
            PretrainedWeights.loadResNet(cxrNet, PretrainedWeights.torchvisionFile(args.mimic().pretrainedDir(),
                    PretrainedWeights.RESNET50_V2), Set.of());
            PretrainedWeights.loadResNet(ecgNet, PretrainedWeights.torchvisionFile(args.mimic().pretrainedDir(),
                    PretrainedWeights.RESNET18_V1), Set.of("conv1.weight"));
        }
        norms.addAll(cxrNet.batchNorms());
        norms.addAll(ecgNet.batchNorms());
        for (BatchNorm b : norms) {
            statsOutputs.add(b.batchMean().name());
            statsOutputs.add(b.batchVar().name());
            statsOutputs.add(b.batchCount().name());
        }
        SDVariable rc = head("cxr", cxrNet.output(), cxrNet.features(), s.d(), init).rename("r_cxr");
        SDVariable re = head("ecg", ecgNet.output(), ecgNet.features(), s.d(), init).rename("r_ecg");
        SDVariable h = Gelu.apply(sd, Linear.create(sd, "labs.fc1", 100, 256, true, init, f).apply(sd, labs));
        h = Gelu.apply(sd, Linear.create(sd, "labs.fc2", 256, 1024, true, init, f).apply(sd, h));
        SDVariable rl = head("labs", h, 1024, s.d(), init).rename("r_labs");
        scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, args.logitScaleInit(), args.freezeLogitScale(), f);
        List<SDVariable> reps = List.of(rc, re, rl);
        loss = TrainableModel.buildLoss(sd, args, reps, scale);
        trainable.addAll(TrainableModel.variablesToTrain(sd));
    }

    private SDVariable head(String name, SDVariable x, long in, long d, RandomGenerator init) {
        SDVariable y = Linear.create(sd, name + ".fc", in, d, true, init, DataType.FLOAT).apply(sd, x);
        return LayerNorm.create(sd, name + ".ln", d, LayerNorm.EPS, DataType.FLOAT).apply(sd, y, 2);
    }

    @Override
    public SameDiff graph() {
        return sd;
    }

    @Override
    public LossGraph loss() {
        return loss;
    }

    @Override
    public List<String> trainable() {
        return trainable;
    }

    @Override
    public Map<String, INDArray> placeholders(Batch batch, boolean training) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("cxr", batch.get("cxr"));
        out.put("ecg", batch.get("ecg"));
        out.put("labs", batch.get("labs"));
        out.put("bn_train", Nd4j.scalar(DataType.FLOAT, training ? 1 : 0));
        return out;
    }

    @Override
    public List<String> trainingOutputs() {
        return statsOutputs;
    }

    @Override
    public void afterTrainingStep(Map<String, INDArray> outputs) {
        for (BatchNorm b : norms) {
            b.update(outputs.get(b.batchMean().name()), outputs.get(b.batchVar().name()),
                    outputs.get(b.batchCount().name()).getLong(0));
        }
    }

    /** ResNets: intermediates are freed as soon as possible rather than held in a step workspace. */
    @Override
    public boolean stepWorkspace() {
        return false;
    }

    @Override
    public String logScaleName() {
        return scale.logScale().name();
    }

    public String lossFn() {
        return lossFn;
    }

    public double scale() {
        return Math.exp(sd.getArrForVarName(scale.logScale().name()).getDouble(0));
    }
}
