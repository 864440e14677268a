package org.symile.app.experiments.mimic;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.run.Encodings;
import org.symile.app.run.Experiment;
import org.symile.app.run.Json;
import org.symile.app.run.Split;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.MimicSpec;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.app.train.IteratorBatches;
import org.symile.app.train.MappedBatches;
import org.symile.data.mimic.MimicLayout;
import org.symile.data.mimic.MimicSplit;

/**
 * The Symile-MIMIC experiment (paper §5.3, spec §6): the loss on {@code train} and {@code val}, and zero-shot CXR
 * retrieval from (ECG, labs) among each query's own CXR and its negatives in {@code val_retrieval}
 * ({@code val_acc}) and {@code test} ({@code test_acc}), in evaluation mode (batch-norm running statistics).
 * Every validation's checkpoint is kept, as upstream. With {@code --pretrained True} the ResNets start from
 * torchvision's ImageNet weights (ResNet-50 V2 for the CXR, ResNet-18 V1 for the ECG, whose conv1 stays random).
 */
public final class MimicExperiment implements Experiment<MimicModel> {
    private static final Logger LOG = LoggerFactory.getLogger(MimicExperiment.class);

    private final RunSpec spec;
    private final MimicArchitecture architecture;
    private final MimicSplit train;
    private final MimicSplit val;
    private final MimicSplit valRetrieval;
    private final MimicSplit test;
    private final MimicRetrieval valCandidates;
    private final MimicRetrieval testCandidates;

    private MimicExperiment(RunSpec spec, MimicArchitecture architecture, MimicSplit[] s) {
        this.spec = spec;
        this.architecture = architecture;
        this.train = s[0];
        this.val = s[1];
        this.valRetrieval = s[2];
        this.test = s[3];
        Path dir = spec.dataDir();
        this.valCandidates = valRetrieval == null ? null : MimicRetrieval.of(valRetrieval,
                dir.resolve("val_retrieval").toString());
        this.testCandidates = test == null ? null : MimicRetrieval.of(test, dir.resolve("test").toString());
    }

    /**
     * Opens and checks the splits (train and val loss splits with unique admissions, {@code val_retrieval} for
     * validation, {@code test} for testing), all with the architecture's input shapes.
     *
     * @param recorded a checkpoint's architecture, or null to derive it from train
     * @throws IllegalArgumentException naming the file when the data does not fit
     */
    public static MimicExperiment open(RunSpec spec, JsonNode recorded, Set<Split> wanted) {
        Path dir = spec.dataDir();
        MimicSplit[] s = new MimicSplit[4];
        try {
            s[0] = wanted.contains(Split.TRAIN) ? MimicSplit.open(dir, "train") : null;
            s[1] = wanted.contains(Split.VAL) ? MimicSplit.open(dir, "val") : null;
            s[2] = wanted.contains(Split.VAL) ? MimicSplit.open(dir, "val_retrieval") : null;
            s[3] = wanted.contains(Split.TEST) ? MimicSplit.open(dir, "test") : null;
            MimicArchitecture a;
            if (recorded != null) {
                a = Json.read(recorded, MimicArchitecture.class, "--ckpt_path " + spec.ckptPath() + " (architecture)");
                MimicSplit first = s[3] != null ? s[3] : s[0] != null ? s[0] : s[1];
                if (first != null) {
                    a = MimicUpstream.withShapes(a, first.cxrShape(), first.ecgShape()); // an upstream model's
                }
            } else if (s[0] != null) {
                a = new MimicArchitecture(s[0].cxrShape(), s[0].ecgShape(), spec.mimic().d(),
                        spec.mimic().resnetBaseWidth());
            } else {
                throw new IllegalStateException("symile_mimic: a model's architecture needs the train split");
            }
            String[] names = {"train", "val", "val_retrieval", "test"};
            for (int i = 0; i < s.length; i++) {
                if (s[i] != null) {
                    requireShapes(a, s[i], dir.resolve(names[i]));
                    if (i < 2) {
                        requireUniqueAdmissions(s[i], dir.resolve(names[i]));
                    }
                }
            }
            MimicExperiment e = new MimicExperiment(spec, a, s);
            if (s[0] != null && s[1] != null) {
                LOG.info("symile_mimic: train {} rows, val {} rows, val_retrieval {} queries, d {}", s[0].rows(),
                        s[1].rows(), e.valCandidates.queryCount(), a.d());
            } else if (s[0] != null) { // a Spark worker's replica
                LOG.debug("symile_mimic: train {} rows", s[0].rows());
            }
            return e;
        } catch (RuntimeException e) {
            for (MimicSplit m : s) {
                if (m != null) {
                    m.close();
                }
            }
            throw e;
        }
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.SYMILE_MIMIC;
    }

    @Override
    public MimicArchitecture architecture() {
        return architecture;
    }

    @Override
    public MimicModel buildModel(RandomGenerator init, boolean pretrained) {
        MimicModel model = new MimicModel(architecture, spec.loss(), init, spec.microBatchRows());
        MimicSpec m = spec.mimic();
        if (pretrained && m.pretrained()) {
            TorchvisionWeights.loadResNet(model.graph(), model.cxrNet(), MimicNetwork.CXR + ".",
                    TorchvisionWeights.file(m.pretrainedDir(), TorchvisionWeights.RESNET50_V2), Set.of());
            // upstream replaces the ECG's conv1 by a one-channel one, which keeps PyTorch's initialisation
            TorchvisionWeights.loadResNet(model.graph(), model.ecgNet(), MimicNetwork.ECG + ".",
                    TorchvisionWeights.file(m.pretrainedDir(), TorchvisionWeights.RESNET18_V1),
                    Set.of("conv1.weight"));
        }
        return model;
    }

    @Override
    public BatchSource batches(Split split) {
        return switch (split) {
            case TRAIN -> batches(require(train, split), spec.trainer().batchSzTrain(), spec.trainer().dropLast());
            case VAL -> batches(require(val, split), spec.trainer().batchSzVal(), false);
            case TEST -> batches(require(test, split), spec.trainer().batchSzTest(), false);
        };
    }

    @Override
    public Encodings encode(MimicModel model, Split split, int draw) {
        return switch (split) {
            case VAL -> valCandidates.encodings(model, batches(require(valRetrieval, split), spec.trainer()
                    .batchSzVal(), false), spec.loss().lossFn().score());
            case TEST -> testCandidates.encodings(model, batches(Split.TEST), spec.loss().lossFn().score());
            case TRAIN -> throw new IllegalArgumentException("symile_mimic: no retrieval on the training split");
        };
    }

    @Override
    public String divergenceHint() {
        return "or --logit_scale_init (now " + spec.loss().logitScaleInit() + ")";
    }

    /** Batches of model inputs: cxr, ecg and labs = [percentiles, observed indicators] (100 floats). */
    static BatchSource batches(MimicSplit split, int batch, boolean dropLast) {
        return new MappedBatches(new IteratorBatches(split.inputs(DataType.FLOAT), batch, dropLast), raw -> {
            Map<String, INDArray> out = new LinkedHashMap<>();
            out.put("cxr", raw.get(MimicLayout.CXR));
            out.put("ecg", raw.get(MimicLayout.ECG));
            out.put("labs", Nd4j.concat(1, raw.get(MimicLayout.LABS_PERCENTILES),
                    raw.get(MimicLayout.LABS_MISSINGNESS)));
            return new Batch(out, raw.rows());
        });
    }

    static void requireUniqueAdmissions(MimicSplit split, Path dir) {
        long[] ids = split.hadmIds().read().castTo(DataType.LONG).reshape(split.rows()).toLongVector();
        Set<Long> seen = new HashSet<>();
        for (long id : ids) {
            if (!seen.add(id)) {
                throw new IllegalArgumentException(dir + ": " + MimicLayout.HADM_ID + " " + id
                        + " occurs more than once; hadm_ids must be unique within a split");
            }
        }
    }

    /** The split's rows have the shapes the model was built for. */
    static void requireShapes(MimicArchitecture a, MimicSplit split, Path dir) {
        if (!Arrays.equals(a.cxrShape(), split.cxrShape()) || !Arrays.equals(a.ecgShape(), split.ecgShape())) {
            throw new IllegalArgumentException(dir + ": cxr " + Arrays.toString(split.cxrShape()) + " and ecg "
                    + Arrays.toString(split.ecgShape()) + " per row, but the model is built for "
                    + Arrays.toString(a.cxrShape()) + " and " + Arrays.toString(a.ecgShape()));
        }
    }

    private static MimicSplit require(MimicSplit split, Split which) {
        if (split == null) {
            throw new IllegalStateException("symile_mimic: the " + which + " split was not opened");
        }
        return split;
    }

    @Override
    public void close() {
        for (MimicSplit m : new MimicSplit[] {train, val, valRetrieval, test}) {
            if (m != null) {
                m.close();
            }
        }
    }
}
