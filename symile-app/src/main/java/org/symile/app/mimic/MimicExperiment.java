package org.symile.app.mimic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.symile.app.config.TrainArgs;
import org.symile.app.experiments.RunStart;
import org.symile.app.experiments.RunState;
import org.symile.app.train.AdamW;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.IteratorBatches;
import org.symile.app.train.MappedBatches;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainState;
import org.symile.app.train.Trainer;
import org.symile.data.mimic.MimicLayout;
import org.symile.data.mimic.MimicSplit;
import org.symile.samediff.ZeroShot;

/**
 * The Symile-MIMIC experiment (paper §5.3, spec §6.6): training with the loss on {@code val} as val_loss and
 * zero-shot CXR retrieval on {@code val_retrieval} as val_acc, both in evaluation mode (batch-norm running
 * statistics); a checkpoint at every validation, {@code last.ckpt} every epoch, run_info.json. Testing is
 * {@link MimicTest}.
 */
public final class MimicExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(MimicExperiment.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private MimicExperiment() {
    }

    /** Trains; returns the run directory and the best validation metrics. */
    public static Map.Entry<Path, Map<String, Double>> train(TrainArgs args) {
        RunStart start = RunStart.of(args);
        Checkpoint resume = start.resume();
        long seed = start.seed();
        Path runDir = start.runDir();
        try (MimicSplit train = MimicSplit.open(args.dataDir(), "train");
             MimicSplit val = MimicSplit.open(args.dataDir(), "val");
             MimicSplit valRet = MimicSplit.open(args.dataDir(), "val_retrieval")) {
            requireUniqueAdmissions(train, args.dataDir().resolve("train"));
            requireUniqueAdmissions(val, args.dataDir().resolve("val"));
            requireSameShapes(train, val, args.dataDir().resolve("val"));
            requireSameShapes(train, valRet, args.dataDir().resolve("val_retrieval"));
            ObjectNode meta = resume != null ? (ObjectNode) resume.meta().path("model") : modelMeta(args, train);
            if (resume != null) {
                requireShapes(meta, train, args.dataDir().resolve("train"));
            }
            MimicModel model = build(meta, args, RngStream.derive(seed, "init"), resume == null);
            BatchSource trainBatches = batches(train, args.batchSzTrain(), args.dropLast());
            BatchSource valBatches = batches(val, args.batchSzVal(), false);
            BatchSource retrievalRows = batches(valRet, args.batchSzVal(), false);
            MimicRetrieval retrieval = MimicRetrieval.of(valRet, args.dataDir().resolve("val_retrieval").toString());
            RandomGenerator ties = RngStream.derive(seed, "val_ties");
            Trainer trainer = new Trainer(new Trainer.Config(args.epochs(), args.checkValEveryNEpoch(),
                    args.limitTrainBatches(), args.limitValBatches(), AdamW.Config.of(args.lr(), args.weightDecay()),
                    "or --logit_scale_init (now " + args.logitScaleInit() + ")"));
            TrainState state = new TrainState(new AdamW(trainer.config().optimizer()),
                    RngStream.derive(seed, "shuffle"), RngStream.derive(seed, "negatives"));
            RunState run = new RunState(args, runDir, seed, meta);
            if (resume != null) {
                run.restore(resume, model.graph(), state);
                LOG.info("symile_mimic: resumed at epoch {} from {}", state.epoch(), args.ckptPath());
            }
            LOG.info("symile_mimic: run directory {}, seed {}, train {} rows, val {} rows, val_retrieval {} queries,"
                    + " d {}", runDir, seed, train.rows(), val.rows(), retrieval.queryCount(), args.d());
            trainer.fit(model, trainBatches, valBatches, state, new Trainer.Listener() {
                @Override
                public Map<String, Double> validationMetrics(int epoch) {
                    INDArray[] reps = MimicRetrieval.encode(model, retrievalRows);
                    return Map.of("val_acc", retrieval.accuracy(reps, score(model), model.scale(), ties, null));
                }

                @Override
                public void onEpochEnd(Trainer.EpochStats stats) {
                    run.onEpochEnd(stats, model.graph(), state);
                }
            });
            run.writeRunInfo();
            return Map.entry(runDir, run.bestMetrics());
        }
    }

    static ZeroShot.Score score(MimicModel model) {
        return model.lossFn().equals("clip") ? ZeroShot.Score.CLIP : ZeroShot.Score.SYMILE;
    }

    /** Input shapes, d and ResNet width, stored in checkpoints so testing rebuilds the same model. */
    static ObjectNode modelMeta(TrainArgs args, MimicSplit train) {
        ObjectNode m = JSON.createObjectNode();
        m.set("cxr_shape", JSON.valueToTree(train.cxrShape()));
        m.set("ecg_shape", JSON.valueToTree(train.ecgShape()));
        m.put("d", args.d());
        m.put("resnet_base_width", args.mimic().resnetBaseWidth());
        return m;
    }

    static MimicModel build(JsonNode meta, TrainArgs args, RandomGenerator init, boolean loadPretrained) {
        long[] cxr = JSON.convertValue(meta.path("cxr_shape"), long[].class);
        long[] ecg = JSON.convertValue(meta.path("ecg_shape"), long[].class);
        return new MimicModel(new MimicModel.Sizes(cxr, ecg, meta.path("d").asLong(),
                meta.path("resnet_base_width").asLong(64)), args, init, loadPretrained);
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

    /** The split's rows have the shapes the model in {@code meta} was built for. */
    static void requireShapes(JsonNode meta, MimicSplit split, Path dir) {
        long[] cxr = JSON.convertValue(meta.path("cxr_shape"), long[].class);
        long[] ecg = JSON.convertValue(meta.path("ecg_shape"), long[].class);
        if (!Arrays.equals(cxr, split.cxrShape()) || !Arrays.equals(ecg, split.ecgShape())) {
            throw new IllegalArgumentException(dir + ": cxr " + Arrays.toString(split.cxrShape()) + " and ecg "
                    + Arrays.toString(split.ecgShape()) + " per row, but the checkpoint's model expects "
                    + Arrays.toString(cxr) + " and " + Arrays.toString(ecg));
        }
    }

    static void requireSameShapes(MimicSplit reference, MimicSplit other, Path dir) {
        if (!Arrays.equals(reference.cxrShape(), other.cxrShape())
                || !Arrays.equals(reference.ecgShape(), other.ecgShape())) {
            throw new IllegalArgumentException(dir + ": cxr " + Arrays.toString(other.cxrShape()) + " and ecg "
                    + Arrays.toString(other.ecgShape()) + " per row, but train has "
                    + Arrays.toString(reference.cxrShape()) + " and " + Arrays.toString(reference.ecgShape()));
        }
    }
}
