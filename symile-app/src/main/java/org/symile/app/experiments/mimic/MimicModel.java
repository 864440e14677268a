package org.symile.app.experiments.mimic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.LossSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.SameDiffModel;
import org.symile.samediff.LogitScale;
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
 * training step from the statistics the graph returns. Placeholders {@code cxr} [B, 3, H, W], {@code ecg}
 * [B, 1, T, 12], {@code labs} [B, 100]; outputs {@code r_cxr}, {@code r_ecg}, {@code r_labs}: [B, d].
 */
public final class MimicModel extends SameDiffModel {
    private final List<BatchNorm> norms = new ArrayList<>();
    private final List<String> statsOutputs = new ArrayList<>();
    private final ResNet cxrNet;
    private final ResNet ecgNet;

    public MimicModel(MimicArchitecture a, LossSpec loss, RandomGenerator init) {
        DataType f = DataType.FLOAT;
        long[] cs = a.cxrShape();
        long[] es = a.ecgShape();
        SDVariable training = sd.placeHolder("bn_train", f);
        SDVariable cxr = sd.placeHolder("cxr", f, -1, cs[0], cs[1], cs[2]);
        SDVariable ecg = sd.placeHolder("ecg", f, -1, es[0], es[1], es[2]);
        SDVariable labs = sd.placeHolder("labs", f, -1, 100);
        cxrNet = ResNet.resnet50(sd, "cxr.", cs[0], a.resnetBaseWidth(), cxr, training, init, f);
        ecgNet = ResNet.resnet18(sd, "ecg.", es[0], a.resnetBaseWidth(), ecg, training, init, f);
        norms.addAll(cxrNet.batchNorms());
        norms.addAll(ecgNet.batchNorms());
        for (BatchNorm b : norms) {
            statsOutputs.add(b.batchMean().name());
            statsOutputs.add(b.batchVar().name());
            statsOutputs.add(b.batchCount().name());
        }
        SDVariable rc = head("cxr", cxrNet.output(), cxrNet.features(), a.d(), init).rename("r_cxr");
        SDVariable re = head("ecg", ecgNet.output(), ecgNet.features(), a.d(), init).rename("r_ecg");
        SDVariable h = Gelu.apply(sd, Linear.create(sd, "labs.fc1", 100, 256, true, init, f).apply(sd, labs));
        h = Gelu.apply(sd, Linear.create(sd, "labs.fc2", 256, 1024, true, init, f).apply(sd, h));
        SDVariable rl = head("labs", h, 1024, a.d(), init).rename("r_labs");
        LogitScale scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, loss.logitScaleInit(),
                loss.freezeLogitScale(), f);
        finish(List.of(rc, re, rl), scale, loss);
    }

    private SDVariable head(String name, SDVariable x, long in, long d, RandomGenerator init) {
        SDVariable y = Linear.create(sd, name + ".fc", in, d, true, init, DataType.FLOAT).apply(sd, x);
        return LayerNorm.create(sd, name + ".ln", d, LayerNorm.EPS, DataType.FLOAT).apply(sd, y, 2);
    }

    /** The CXR encoder (torchvision ResNet-50 layout), for loading pretrained weights. */
    public ResNet cxrNet() {
        return cxrNet;
    }

    /** The ECG encoder (torchvision ResNet-18 layout, one input channel). */
    public ResNet ecgNet() {
        return ecgNet;
    }

    @Override
    protected Map<String, INDArray> placeholders(Batch batch, boolean training) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("cxr", batch.get("cxr"));
        out.put("ecg", batch.get("ecg"));
        out.put("labs", batch.get("labs"));
        out.put("bn_train", Nd4j.scalar(DataType.FLOAT, training ? 1 : 0));
        return out;
    }

    @Override
    protected List<String> trainingOutputs() {
        return statsOutputs;
    }

    @Override
    protected void afterTrainingStep(Map<String, INDArray> outputs) {
        for (BatchNorm b : norms) {
            b.update(outputs.get(b.batchMean().name()), outputs.get(b.batchVar().name()),
                    outputs.get(b.batchCount().name()).getLong(0));
        }
    }

    /** ResNets: intermediates are freed as soon as possible rather than held in a step workspace. */
    @Override
    protected boolean stepWorkspace() {
        return false;
    }

    /** {@code r_cxr}, {@code r_ecg}, {@code r_labs} ([B, d] each) of a batch, evaluation mode. */
    public Map<String, INDArray> encode(Batch batch) {
        return evaluate(batch, "r_cxr", "r_ecg", "r_labs");
    }
}
