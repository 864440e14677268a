package org.symile.app.m3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.config.TrainArgs;
import org.symile.app.experiments.RunStart;
import org.symile.app.experiments.RunState;
import org.symile.app.models.PretrainedWeights;
import org.symile.app.train.AdamW;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.IteratorBatches;
import org.symile.app.train.MappedBatches;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainState;
import org.symile.app.train.Trainer;
import org.symile.data.m3.M3Split;
import org.symile.samediff.ZeroShot;
import org.symile.samediff.nn.TextEncoder;

/**
 * The Symile-M3 experiment (paper §5.2, spec §5): training with validation loss on every val row and
 * validation accuracy = image retrieval over the bank of all fully observed val images, correct when the top
 * image has the query's class; a checkpoint at every validation; run_info.json. Testing ({@link #test}) is
 * upstream's test.py.
 */
public final class M3Experiment {
    private static final Logger LOG = LoggerFactory.getLogger(M3Experiment.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Default text-encoder sizes when no Hugging Face model is given. */
    static final int TEXT_HIDDEN = 64;
    static final int TEXT_HEADS = 4;

    private M3Experiment() {
    }

    /** Trains; returns the run directory and the best validation metrics. */
    public static Map.Entry<Path, Map<String, Double>> train(TrainArgs args) {
        RunStart start = RunStart.of(args);
        Checkpoint resume = start.resume();
        long seed = start.seed();
        Path runDir = start.runDir();
        Double prob = args.m3().missingness() ? args.m3().missingnessProb() : null;
        try (M3Split train = M3Split.open(args.dataDir(), "train", prob);
             M3Split val = M3Split.open(args.dataDir(), "val", prob)) {
            ObjectNode meta = resume != null ? (ObjectNode) resume.meta().path("model")
                    : modelMeta(args, train, val);
            M3Model model = build(meta, args, RngStream.derive(seed, "init"), resume == null);
            BatchSource trainBatches = batches(model, meta, train, args.batchSzTrain(), args.dropLast(), prob != null);
            BatchSource valBatches = batches(model, meta, val, args.batchSzVal(), false, prob != null);
            Trainer trainer = new Trainer(new Trainer.Config(args.epochs(), args.checkValEveryNEpoch(),
                    args.limitTrainBatches(), args.limitValBatches(), AdamW.Config.of(args.lr(), args.weightDecay()),
                    "or --logit_scale_init (now " + args.logitScaleInit() + ")"));
            TrainState state = new TrainState(new AdamW(trainer.config().optimizer()),
                    RngStream.derive(seed, "shuffle"), RngStream.derive(seed, "negatives"));
            RunState run = new RunState(args, runDir, seed, meta);
            if (resume != null) {
                run.restore(resume, model.graph(), state);
                LOG.info("symile_m3: resumed at epoch {} from {}", state.epoch(), args.ckptPath());
            }
            LOG.info("symile_m3: run directory {}, seed {}, train {} rows, val {} rows, d {}", runDir, seed,
                    train.rows(), val.rows(), args.d());
            trainer.fit(model, trainBatches, valBatches, state, new Trainer.Listener() {
                @Override
                public Map<String, Double> validationMetrics(int epoch) {
                    return Map.of("val_acc", accuracy(model, valBatches, args.batchSzVal(), null));
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

    /** Sizes, vocabulary and text configuration, stored in checkpoints so testing rebuilds the same model. */
    static ObjectNode modelMeta(TrainArgs args, M3Split train, M3Split val) {
        ObjectNode m = JSON.createObjectNode();
        m.put("audio_dim", train.audioDim());
        m.put("image_dim", train.imageDim());
        m.put("d", args.d());
        m.put("missingness", args.m3().missingness());
        TokenVocabulary vocab = TokenVocabulary.of(train.tokenIds(), val.tokenIds());
        ArrayNode ids = m.putArray("vocab_raw_ids");
        for (long id : vocab.rawIds()) {
            ids.add(id);
        }
        long maxLen = Math.max(train.textLength(), val.textLength());
        TextEncoder.Config text;
        if (args.m3().textModelId() != null) {
            Path dir = PretrainedWeights.huggingFaceDir(args.m3().textModelId());
            TextEncoder.Config hf = PretrainedWeights.textConfig(dir);
            text = new TextEncoder.Config(vocab.size(), hf.hidden(), hf.heads(), hf.intermediate(), hf.maxPositions(),
                    hf.typeVocab(), hf.eps(), hf.padTokenId(), hf.xlmRoberta());
            m.put("text_model_dir", dir.toString());
        } else {
            int hidden = args.m3().textHidden() == null ? TEXT_HIDDEN : args.m3().textHidden();
            int heads = args.m3().textHeads() == null ? TEXT_HEADS : args.m3().textHeads();
            int inter = args.m3().textIntermediate() == null ? 4 * hidden : args.m3().textIntermediate();
            text = new TextEncoder.Config(vocab.size(), hidden, heads, inter, (int) maxLen + 2, 1, 1e-5,
                    (int) M3Inputs.PAD, true);
        }
        m.set("text", JSON.valueToTree(text));
        return m;
    }

    static M3Model build(JsonNode meta, TrainArgs args, RandomGenerator init, boolean loadPretrained) {
        TextEncoder.Config text = JSON.convertValue(meta.path("text"), TextEncoder.Config.class);
        M3Model model = new M3Model(new M3Model.Sizes(meta.path("audio_dim").asLong(), meta.path("image_dim")
                .asLong(), meta.path("d").asLong(), text, meta.path("missingness").asBoolean()), args, init);
        if (loadPretrained && meta.has("text_model_dir")) {
            Path dir = Path.of(meta.path("text_model_dir").asText());
            Map<String, INDArray> sd = PretrainedWeights.readStateDict(PretrainedWeights.weightsFile(dir));
            // keep only the rows of the tokens that occur, in compact order
            long[] raw = vocab(meta).rawIds();
            for (String k : new ArrayList<>(sd.keySet())) {
                if (k.endsWith("embeddings.word_embeddings.weight")) {
                    INDArray full = sd.get(k);
                    int[] rows = new int[raw.length];
                    for (int i = 0; i < raw.length; i++) {
                        rows[i] = Math.toIntExact(raw[i]);
                    }
                    sd.put(k, Nd4j.pullRows(full, 1, rows));
                }
            }
            PretrainedWeights.loadTextEncoder(model.text(), sd, dir.toString());
        }
        return model;
    }

    static TokenVocabulary vocab(JsonNode meta) {
        long[] ids = new long[meta.path("vocab_raw_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = meta.path("vocab_raw_ids").get(i).asLong();
        }
        return new TokenVocabulary(ids);
    }

    static BatchSource batches(M3Model model, JsonNode meta, M3Split split, int batch, boolean dropLast,
                               boolean missingness) {
        TextEncoder.Config text = model.text().config();
        M3Inputs inputs = new M3Inputs(vocab(meta), text, missingness, split.audioMean(), split.imageMean());
        return new MappedBatches(new IteratorBatches(split.inputs(DataType.FLOAT), batch, dropLast), inputs::apply);
    }

    /**
     * Image-retrieval accuracy: every fully observed row queries the bank of all fully observed images with its
     * audio and text; correct when the best image has the query's class (first maximum wins ties).
     *
     * @param resample null, or a generator drawing independent with-replacement resamples of bank and queries
     *                 (upstream's bootstrap)
     */
    static double accuracy(M3Model model, BatchSource batches, int chunk, RandomGenerator resample) {
        List<INDArray> audio = new ArrayList<>();
        List<INDArray> image = new ArrayList<>();
        List<INDArray> text = new ArrayList<>();
        List<Long> cls = new ArrayList<>();
        for (Iterator<Batch> it = batches.epoch(null); it.hasNext(); ) {
            Batch b = it.next();
            Map<String, INDArray> out = model.graph().output(model.placeholders(b, false), "r_audio", "r_image",
                    "r_text");
            float[] obs = b.get("all_observed").toFloatVector();
            long[] c = b.get("cls").toLongVector();
            for (int r = 0; r < obs.length; r++) {
                if (obs[r] > 0.5f) {
                    audio.add(out.get("r_audio").getRow(r).dup());
                    image.add(out.get("r_image").getRow(r).dup());
                    text.add(out.get("r_text").getRow(r).dup());
                    cls.add(c[r]);
                }
            }
        }
        int n = cls.size();
        if (n == 0) {
            return Double.NaN;
        }
        int[] bankIdx = range(n, resample);
        int[] queryIdx = range(n, resample);
        INDArray bank = stack(image, bankIdx);
        INDArray qa = stack(audio, queryIdx);
        INDArray qt = stack(text, queryIdx);
        ZeroShot.Score score = model.lossFn().equals("clip") ? ZeroShot.Score.CLIP : ZeroShot.Score.SYMILE;
        long[] pred = ZeroShot.argmax(score, bank, List.of(qa, qt), model.scale(), Math.max(chunk, 1));
        long correct = 0;
        for (int q = 0; q < n; q++) {
            correct += cls.get(bankIdx[(int) pred[q]]).equals(cls.get(queryIdx[q])) ? 1 : 0;
        }
        return correct / (double) n;
    }

    private static int[] range(int n, RandomGenerator resample) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = resample == null ? i : resample.nextInt(n);
        }
        return idx;
    }

    private static INDArray stack(List<INDArray> rows, int[] idx) {
        INDArray[] sel = new INDArray[idx.length];
        for (int i = 0; i < idx.length; i++) {
            sel[i] = rows.get(idx[i]);
        }
        return Nd4j.vstack(sel);
    }
}
