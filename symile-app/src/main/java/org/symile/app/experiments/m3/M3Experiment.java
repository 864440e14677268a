package org.symile.app.experiments.m3;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.symile.app.spec.M3Spec;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.BatchSource;
import org.symile.app.train.IteratorBatches;
import org.symile.app.train.MappedBatches;
import org.symile.data.StateDicts;
import org.symile.data.m3.M3Split;
import org.symile.samediff.nn.TextEncoder;

/**
 * The Symile-M3 experiment (paper §5.2, spec §5): the splits of {@code --data_dir} (train and val with the
 * missingness indicators of {@code --missingness_prob}; test never), the {@link M3Model}, and zero-shot image
 * retrieval over the bank of all fully observed images of the split as {@code val_acc} and {@code test_acc}.
 * Every validation's checkpoint is kept, as upstream.
 */
public final class M3Experiment implements Experiment<M3Model> {
    private static final Logger LOG = LoggerFactory.getLogger(M3Experiment.class);

    private final RunSpec spec;
    private final M3Architecture architecture;
    private final M3Split train;
    private final M3Split val;
    private final M3Split test;

    private M3Experiment(RunSpec spec, M3Architecture architecture, M3Split train, M3Split val, M3Split test) {
        this.spec = spec;
        this.architecture = architecture;
        this.train = train;
        this.val = val;
        this.test = test;
    }

    /**
     * Opens and checks the splits: shapes, {@code --num_langs}, {@code --metadata_filename}, and, for a recorded
     * architecture, that the data fits it.
     *
     * @param recorded a checkpoint's architecture, or null to derive it from train and val
     * @throws IllegalArgumentException naming the file or flag when the data does not fit
     */
    public static M3Experiment open(RunSpec spec, JsonNode recorded, Set<Split> splits) {
        M3Spec m3 = spec.m3();
        Path dir = spec.dataDir();
        Double prob = m3.trainingMissingness();
        M3Split train = null;
        M3Split val = null;
        M3Split test = null;
        try {
            train = splits.contains(Split.TRAIN) ? M3Split.open(dir, "train", prob) : null;
            val = splits.contains(Split.VAL) ? M3Split.open(dir, "val", prob) : null;
            test = splits.contains(Split.TEST) ? M3Split.open(dir, "test", null) : null;
            M3Architecture a;
            if (recorded != null) {
                a = Json.read(recorded, M3Architecture.class, "--ckpt_path " + spec.ckptPath() + " (architecture)");
            } else if (train != null && val != null) {
                a = derive(m3, train, val);
            } else {
                throw new IllegalStateException("symile_m3: a model's architecture needs the train and val splits");
            }
            if (train != null && a.missingness() != m3.missingness()) {
                throw new IllegalArgumentException("--missingness " + (m3.missingness() ? "True" : "False")
                        + ": the checkpoint's model was built with missingness " + (a.missingness() ? "True" : "False"));
            }
            M3DataChecks checks = new M3DataChecks(dir, a);
            checks.metadata(m3.metadataFilename());
            for (M3Split s : new M3Split[] {train, val, test}) {
                if (s != null) {
                    checks.split(s, m3.numLangs());
                }
            }
            if (train != null && val != null) {
                LOG.info("symile_m3: train {} rows, val {} rows, d {}, vocabulary {} tokens", train.rows(),
                        val.rows(), a.d(), a.vocabRawIds().length);
            } else if (train != null) { // a Spark worker's replica
                LOG.debug("symile_m3: train {} rows", train.rows());
            }
            return new M3Experiment(spec, a, train, val, test);
        } catch (RuntimeException e) {
            for (M3Split s : new M3Split[] {train, val, test}) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
    }

    /** Sizes, vocabulary and text configuration of a fresh model, from the flags and the train and val data. */
    static M3Architecture derive(M3Spec m3, M3Split train, M3Split val) {
        TokenVocabulary vocab = TokenVocabulary.of(train.tokenIds(), val.tokenIds());
        long maxLen = Math.max(train.textLength(), val.textLength());
        TextEncoder.Config text;
        String modelDir = null;
        if (m3.textModelId() != null) {
            Path hfDir = HuggingFaceText.directory(m3.textModelId());
            TextEncoder.Config hf = HuggingFaceText.textConfig(hfDir);
            text = new TextEncoder.Config(vocab.size(), hf.hidden(), hf.heads(), hf.intermediate(), hf.maxPositions(),
                    hf.typeVocab(), hf.eps(), hf.padTokenId(), hf.xlmRoberta());
            modelDir = hfDir.toString();
        } else {
            text = new TextEncoder.Config(vocab.size(), m3.textHidden(), m3.textHeads(), m3.textIntermediate(),
                    (int) maxLen + 2, 1, 1e-5, (int) M3Inputs.PAD, true);
        }
        return new M3Architecture(train.audioDim(), train.imageDim(), m3.d(), m3.missingness(), vocab.rawIds(), text,
                modelDir);
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.SYMILE_M3;
    }

    @Override
    public M3Architecture architecture() {
        return architecture;
    }

    /** A new model; with a Hugging Face text model and {@code pretrained}, its embeddings and layer 0 are loaded. */
    @Override
    public M3Model buildModel(RandomGenerator init, boolean pretrained) {
        M3Model model = new M3Model(architecture, spec.loss(), init, spec.microBatchRows(),
                spec.m3().textDropout());
        if (pretrained && architecture.textModelDir() != null) {
            Path dir = Path.of(architecture.textModelDir());
            Map<String, INDArray> sd = StateDicts.read(HuggingFaceText.weightsFile(dir));
            // keep only the rows of the tokens that occur, in compact order
            long[] raw = architecture.vocabRawIds();
            for (String k : new ArrayList<>(sd.keySet())) {
                if (k.endsWith("embeddings.word_embeddings.weight")) {
                    int[] rows = new int[raw.length];
                    for (int i = 0; i < raw.length; i++) {
                        rows[i] = Math.toIntExact(raw[i]);
                    }
                    sd.put(k, Nd4j.pullRows(sd.get(k), 1, rows));
                }
            }
            HuggingFaceText.loadTextEncoder(model.text(), sd, dir.toString());
        }
        return model;
    }

    @Override
    public BatchSource batches(Split split) {
        return switch (split) {
            case TRAIN -> batches(require(train, split), spec.trainer().batchSzTrain(), spec.trainer().dropLast(),
                    architecture.missingness());
            case VAL -> batches(require(val, split), spec.trainer().batchSzVal(), false, architecture.missingness());
            // upstream never applies missingness at test time: every indicator is 0
            case TEST -> batches(require(test, split), spec.trainer().batchSzTest(), false, false);
        };
    }

    private BatchSource batches(M3Split split, int batch, boolean dropLast, boolean missingness) {
        M3Inputs inputs = new M3Inputs(architecture.vocabulary(), architecture.text(), missingness, split.audioMean(),
                split.imageMean());
        return new MappedBatches(new IteratorBatches(split.inputs(DataType.FLOAT), batch, dropLast), inputs::apply);
    }

    @Override
    public Encodings encode(M3Model model, Split split, int draw) {
        int chunk = split == Split.TEST ? spec.trainer().batchSzTest() : spec.trainer().batchSzVal();
        return M3Retrieval.encode(model, batches(split), spec.loss().lossFn().score(), chunk);
    }

    @Override
    public String divergenceHint() {
        return "or --logit_scale_init (now " + spec.loss().logitScaleInit() + ")";
    }

    private static M3Split require(M3Split split, Split which) {
        if (split == null) {
            throw new IllegalStateException("symile_m3: the " + which + " split was not opened");
        }
        return split;
    }

    @Override
    public void close() {
        for (M3Split s : new M3Split[] {train, val, test}) {
            if (s != null) {
                s.close();
            }
        }
    }
}
