package org.symile.app.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.symile.samediff.NegativeSampling;

/**
 * Every {@code train} flag, once: its name (upstream's), value label, the experiment it belongs to (null: all),
 * value type, fixed default, help text and where its value lives in a {@link RunSpec}. The CLI builds its options
 * from this table, the sweep checks its keys against it, and {@link RunSpec#toFlags()} and
 * {@link RunSpec#fromFlags} translate with it, so a flag, a config field, a checkpoint's recorded arguments and a
 * sweep key are the same name.
 */
public final class TrainFlags {

    /** How a flag's text becomes a value. */
    enum Type { INT, LONG, DOUBLE, BOOL, PATH, STRING, DOUBLES, EXPERIMENT, LOSS_FN, NEGATIVE_SAMPLING, TEXT_EMBEDDING,
        TRAINING_MASTER, SPARK_NEGATIVES, ANCHORS, NAMES, HIDDEN_DIMS }

    /**
     * One flag.
     *
     * @param name         without the leading dashes ({@code batch_sz_train})
     * @param label        value placeholder in help
     * @param only         the experiment it applies to, or null for every experiment
     * @param defaultValue the value when absent (as text), or null (per-experiment default or none)
     * @param help         help text; per-experiment defaults are appended
     */
    public record Flag(String name, String label, ExperimentKind only, Type type, String defaultValue, String help,
                       Function<RunSpec, Object> getter) {

        /** The help text with the default(s) appended. */
        public String description() {
            String suffix = ExperimentDefaults.helpSuffix(name);
            if (defaultValue != null) {
                suffix += " (default: " + defaultValue + ")";
            }
            return help + suffix + ".";
        }

        /** Parses the text of this flag's value; errors name the flag. */
        Object parse(String text) {
            String flag = "--" + name;
            String v = text == null ? "" : text.trim();
            try {
                return switch (type) {
                    case INT -> Integer.parseInt(v);
                    case LONG -> Long.parseLong(v);
                    case DOUBLE -> Double.parseDouble(v);
                    case BOOL -> BooleanFlag.parse(flag, v);
                    case PATH -> Path.of(v);
                    case STRING -> text;
                    case DOUBLES -> doubles(v);
                    case EXPERIMENT -> ExperimentKind.fromFlag(v);
                    case LOSS_FN -> LossFn.fromFlag(v);
                    case NEGATIVE_SAMPLING -> NegativeSampling.fromFlag(v);
                    case TEXT_EMBEDDING -> TextEmbedding.fromFlag(v);
                    case TRAINING_MASTER -> SparkTrainingMaster.fromFlag(v);
                    case SPARK_NEGATIVES -> SparkNegatives.fromFlag(v);
                    case ANCHORS -> anchors(v);
                    case NAMES -> names(v);
                    case HIDDEN_DIMS -> hiddenDims(v);
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": expected " + (type == Type.DOUBLE || type == Type.DOUBLES
                        ? "a number" : "an integer") + ", got '" + text + "'");
            } catch (IllegalArgumentException e) {
                String m = String.valueOf(e.getMessage());
                throw new IllegalArgumentException(m.startsWith(flag) ? m : flag + ": " + m, e);
            }
        }

        private static List<String> anchors(String v) {
            if (v.equals("all")) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (String s : v.split(",", -1)) {
                out.add(s.trim());
            }
            return out;
        }

        private static List<String> names(String v) {
            List<String> out = new ArrayList<>();
            for (String s : v.split(",", -1)) {
                out.add(s.trim());
            }
            return out;
        }

        private static List<Integer> hiddenDims(String v) {
            if (v.equals("none")) {
                return List.of();
            }
            List<Integer> out = new ArrayList<>();
            for (String s : v.split(",")) {
                out.add(Integer.parseInt(s.trim()));
            }
            return out;
        }

        private static List<Double> doubles(String v) {
            List<Double> out = new ArrayList<>();
            for (String s : v.split(",")) {
                out.add(Double.parseDouble(s.trim()));
            }
            return out;
        }
    }

    private static final Map<String, Flag> FLAGS = new LinkedHashMap<>();

    static {
        ExperimentKind x = ExperimentKind.BINARY_XOR;
        ExperimentKind m3 = ExperimentKind.SYMILE_M3;
        ExperimentKind mi = ExperimentKind.SYMILE_MIMIC;
        ExperimentKind cu = ExperimentKind.CUSTOM;
        add("experiment", "NAME", null, Type.EXPERIMENT, null,
                "binary_xor, symile_m3, symile_mimic, or custom (your own modalities; required)",
                RunSpec::experiment);
        add("batch_sz_train", "N", null, Type.INT, null, "Training batch size", s -> s.trainer().batchSzTrain());
        add("batch_sz_val", "N", null, Type.INT, null,
                "Validation batch size; also the encoding chunk for retrieval sets", s -> s.trainer().batchSzVal());
        add("batch_sz_test", "N", null, Type.INT, null, "Test batch size", s -> s.trainer().batchSzTest());
        add("micro_batch_sz", "N", null, Type.INT, "0", "Gradient caching: encode each training batch N rows at a"
                + " time (the loss, and every row's negatives, still over the whole --batch_sz_train), so memory holds"
                + " one micro-batch's activations plus the batch's representations, for a second forward pass;"
                + " the gradient is the whole batch's. symile_mimic: batch norm normalises each micro-batch with its"
                + " own statistics (as multi-GPU training does per device) and moves its running statistics once per"
                + " micro-batch. 0: the whole batch at once", s -> s.trainer().microBatchSz() == 0 ? null
                : s.trainer().microBatchSz());
        add("check_val_every_n_epoch", "N", null, Type.INT, null,
                "Validate (and, for M3/MIMIC, checkpoint) every N epochs", s -> s.trainer().checkValEveryNEpoch());
        add("ckpt_save_dir", "DIR", null, Type.PATH, "ckpts",
                "Root of the run directories <yyyyMMdd_HHmmss>_<rand4>", RunSpec::ckptSaveDir);
        add("d", "N", null, Type.INT, null, "Width of every projection head", s -> s.experimentSpec().d());
        add("data_dir", "DIR", null, Type.PATH, null, "Split-tensor root (symile_m3, symile_mimic, custom; required"
                + " there)",
                RunSpec::dataDir);
        add("drop_last", "BOOL", null, Type.BOOL, "False", "Drop the last partial training batch",
                s -> s.trainer().dropLast());
        add("negative_sampling", "n|n_squared", null, Type.NEGATIVE_SAMPLING, null,
                "Symile negatives: n (O(N)) or n_squared (O(N^2)); CLIP has none", s -> s.loss().negativeSampling());
        add("memory_lean", "BOOL", null, Type.BOOL, "False", "With n_squared: compute the loss in chunks without the"
                + " [B^2, d] product, at the cost of a second forward pass of the encoders (binary_xor, symile_m3)",
                s -> s.loss().memoryLean());
        add("epochs", "N", null, Type.INT, null, "Training epochs", s -> s.trainer().epochs());
        add("freeze_logit_scale", "BOOL", null, Type.BOOL, "False", "Keep the logit scale at its initial value",
                s -> s.loss().freezeLogitScale());
        add("ckpt_path", "FILE", null, Type.PATH, null,
                "Resume from this checkpoint: weights, optimizer state, epoch and random streams", RunSpec::ckptPath);
        add("logit_scale_init", "X", null, Type.DOUBLE, null, "Initial log of the logit scale (CLIP uses 2.65926)",
                s -> s.loss().logitScaleInit());
        add("loss_fn", "symile|clip|gram|triangle", null, Type.LOSS_FN, "symile", "symile, clip (pairwise"
                + " baseline), or (extension) gram (the volume its vectors span, GRAM) or triangle (the area of its"
                + " triangle, TRIANGLE, three modalities)", s -> s.loss().lossFn());
        add("label_smoothing", "EPS", null, Type.DOUBLE, null, "label smoothing of every cross-entropy, in [0, 1)"
                + " (PyTorch's): default 0 for symile and clip (upstream's losses; symile smooths over each row's B"
                + " or B^(M-1) candidates), 0.1 for gram and triangle (their official code's)",
                s -> s.loss().labelSmoothing());
        add("anchors", "all|M1,M2,...", null, Type.ANCHORS, "all", "the modalities whose losses are averaged"
                + " (symile, gram, triangle; the official gram/triangle recipe uses one, e.g. --anchors text for"
                + " symile_m3) or, for clip, whose pairs are summed; modality names:" + modalityNames(),
                s -> s.loss().anchors().isEmpty() ? "all" : String.join(",", s.loss().anchors()));
        add("lr", "X", null, Type.DOUBLE, null, "AdamW learning rate", s -> s.optimizer().lr());
        add("weight_decay", "X", null, Type.DOUBLE, null,
                "AdamW decoupled weight decay, applied to every parameter incl. the logit scale",
                s -> s.optimizer().weightDecay());
        add("seed", "N", null, Type.LONG, "0", "Seed used with --use_seed True", RunSpec::seed);
        add("use_seed", "BOOL", null, Type.BOOL, "False", "Seed every random stream from --seed so runs repeat"
                + " exactly; otherwise a seed is drawn and logged", RunSpec::useSeed);
        add("wandb", "BOOL", null, Type.BOOL, "False", "Accepted for compatibility; Weights & Biases logging is not"
                + " available here: use --ui True (DL4J's training UI) and the run's metrics.csv and curves.png",
                RunSpec::wandb);
        add("wandb_run_id", "ID", null, Type.STRING, null, "Accepted for compatibility (unused)",
                RunSpec::wandbRunId);
        add("ui", "BOOL", null, Type.BOOL, "False", "Serve DL4J's training UI while training (train loss, learning"
                + " rates, update/parameter ratios, parameter magnitudes) and keep its statistics in the run"
                + " directory (ui_stats.dl4j) for symile ui", RunSpec::ui);
        add("ui_port", "PORT", null, Type.INT, "9000", "Port of the training UI (0: any free port)",
                RunSpec::uiPort);
        add("spark_master", "URL", null, Type.STRING, null, "Train on a Spark cluster (symile_m3, symile_mimic, custom):"
                + " local[N], spark://HOST:PORT, yarn or k8s://URL; every worker trains on its own share of each"
                + " epoch's batches, negatives from its own batch (default: train in this process)",
                s -> s.spark() == null ? null : s.spark().master());
        add("spark_training_master", "shared_gradients|parameter_averaging", null, Type.TRAINING_MASTER,
                "shared_gradients", "With --spark_master: average the workers' gradients every step (upstream's"
                + " multi-GPU update) or their weights and AdamW moments every --spark_averaging_frequency steps",
                s -> s.spark() == null ? null : s.spark().trainingMaster());
        add("spark_workers", "N", null, Type.INT, null, "With --spark_master: model replicas trained side by side,"
                + " one Spark task each (default: 0 = Spark's default parallelism)",
                s -> s.spark() == null ? null : s.spark().workers());
        add("spark_averaging_frequency", "N", null, Type.INT, null, "With --spark_training_master"
                + " parameter_averaging: steps each worker takes between averages of the weights and AdamW moments"
                + " (default: " + SparkSpec.DEFAULT_AVERAGING_FREQUENCY + ")", s -> s.spark() == null
                || s.spark().trainingMaster() != SparkTrainingMaster.PARAMETER_AVERAGING ? null
                : s.spark().averagingFrequency());
        add("spark_negatives", "local|global", null, Type.SPARK_NEGATIVES, "local", "With --spark_master: contrast"
                + " each worker's rows with its own batch (upstream's multi-GPU runs) or with every worker's rows of"
                + " the step, W x --batch_sz_train (global: workers encode, the driver computes the loss, workers"
                + " back-propagate their rows' share; shared_gradients only)", s -> s.spark() == null
                || s.spark().negatives() == SparkNegatives.LOCAL ? null : s.spark().negatives());
        add("limit_train_batches", "X", null, Type.DOUBLE, "1.0",
                "Fraction (<= 1.0) or number (> 1) of training batches per epoch",
                s -> s.trainer().limitTrainBatches());
        add("limit_val_batches", "X", null, Type.DOUBLE, "1.0",
                "Fraction (<= 1.0) or number (> 1) of validation batches",
                s -> s.trainer().limitValBatches());
        // ---- binary_xor
        add("train_n", "N", x, Type.INT, null, "binary_xor: training samples", s -> s.xor().trainN());
        add("val_n", "N", x, Type.INT, null, "binary_xor: validation samples", s -> s.xor().valN());
        add("test_n", "N", x, Type.INT, null, "binary_xor: test samples", s -> s.xor().testN());
        add("d_v", "N", x, Type.INT, null, "binary_xor: bits per vector", s -> s.xor().dV());
        add("bootstrap", "BOOL", x, Type.BOOL, "False",
                "binary_xor: test on --bootstrap_n fresh draws of the test set", s -> s.xor().bootstrap());
        add("bootstrap_n", "N", x, Type.INT, "10", "binary_xor: number of bootstrap test draws",
                s -> s.xor().bootstrapN());
        add("p_hats", "P,P,...", x, Type.DOUBLES, null,
                "binary_xor: the p_hat values to train (default: 0.0,0.1,...,1.0 as upstream)", s -> s.xor().pHats());
        add("p_hat_workers", "N", x, Type.INT, "0", "binary_xor: p_hat values trained at once, each on one thread;"
                + " results do not depend on it (0 = one per CPU core)", s -> s.xor().pHatWorkers());
        // ---- symile_m3
        add("train_csv", "FILE", m3, Type.STRING, "train.csv", "symile_m3: recorded only (upstream never reads it)",
                s -> s.m3().trainCsv());
        add("val_csv", "FILE", m3, Type.STRING, "val.csv", "symile_m3: recorded only", s -> s.m3().valCsv());
        add("test_csv", "FILE", m3, Type.STRING, "test.csv", "symile_m3: recorded only", s -> s.m3().testCsv());
        add("translations_path", "FILE", m3, Type.PATH, null, "symile_m3: recorded only (unused by training)",
                s -> s.m3().translationsPath());
        add("num_langs", "N", m3, Type.INT, null, "symile_m3: 2, 5 or 10; every row's language (lang_<split>.txt)"
                + " must be one of upstream's list for that many languages (default: not checked)",
                s -> s.m3().numLangs());
        add("missingness", "BOOL", m3, Type.BOOL, "False", "symile_m3: train with missing modalities",
                s -> s.m3().missingness());
        add("missingness_prob", "P", m3, Type.DOUBLE, null,
                "symile_m3: which missingness files to use: 0.5, 0.6, 0.65, 0.7 or 0.75",
                s -> s.m3().missingnessProb());
        add("audio_model_id", "ID", m3, Type.STRING, null, "symile_m3: recorded only (features are precomputed)",
                s -> s.m3().audioModelId());
        add("image_model_id", "ID", m3, Type.STRING, null, "symile_m3: recorded only (features are precomputed)",
                s -> s.m3().imageModelId());
        add("text_model_id", "ID|DIR", m3, Type.STRING, null, "symile_m3: Hugging Face model (local directory or HF"
                + " cache) whose embeddings and first encoder layer initialise the text encoder; without it the"
                + " encoder is built from --text_* sizes with random initialisation", s -> s.m3().textModelId());
        add("text_embedding", "eos|bos", m3, Type.TEXT_EMBEDDING, "eos", "symile_m3: ignored, as upstream",
                s -> s.m3().textEmbedding());
        add("metadata_filename", "FILE", m3, Type.STRING, null, "symile_m3: upstream's metadata file in --data_dir;"
                + " its encoder widths must match the tensors (default: metadata.json, checked when present)",
                s -> s.m3().metadataFilename());
        add("text_hidden", "N", m3, Type.INT, null, "symile_m3 without --text_model_id: hidden size [64]",
                s -> s.m3().textHidden());
        add("text_heads", "N", m3, Type.INT, null, "symile_m3 without --text_model_id: attention heads [4]",
                s -> s.m3().textHeads());
        add("text_intermediate", "N", m3, Type.INT, null,
                "symile_m3 without --text_model_id: feed-forward size [4 x hidden]", s -> s.m3().textIntermediate());
        add("text_dropout", "P", m3, Type.DOUBLE, "0.0", "symile_m3: dropout in the text encoder while training, at"
                + " Hugging Face's places (after the embeddings, on the attention probabilities, on the attention and"
                + " feed-forward outputs); upstream's models use 0.1; 0 keeps training a deterministic function of"
                + " the data (extension)", s -> s.m3().textDropout() == 0 ? null : s.m3().textDropout());
        // ---- symile_mimic
        add("pretrained", "BOOL", mi, Type.BOOL, "False",
                "symile_mimic: initialise the ResNets from torchvision ImageNet weights", s -> s.mimic().pretrained());
        add("pretrained_dir", "DIR", mi, Type.PATH, null, "symile_mimic: where the torchvision .pth files are"
                + " (default: ~/.cache/torch/hub/checkpoints)", s -> s.mimic().pretrainedDir());
        add("resnet_base_width", "N", mi, Type.INT, "64", "symile_mimic: channels of the ResNets' first stage, 64 as"
                + " torchvision; smaller widths make CPU demos and tests fast (extension)",
                s -> s.mimic().resnetBaseWidth());
        // ---- custom
        add("modalities", "NAME,NAME,...", cu, Type.NAMES, null, "custom: the modalities, read from"
                + " <data_dir>/<split>/NAME_<split>.npy (or .pt): floats [N, w] (features), integers [N] (categories)"
                + " or [N, L] (tokens, mean-pooled; optional NAME_mask_<split>), optional NAME_missing_<split> [N]"
                + " (1 = absent); at least 2, in the loss's order (required)", s -> s.custom().modalities());
        add("target_modality", "NAME", cu, Type.STRING, null, "custom: the modality retrieved from the others in"
                + " evaluation (default: the last of --modalities)", s -> s.custom().targetModality());
        add("hidden_dims", "W,W,...|none", cu, Type.HIDDEN_DIMS, "512", "custom: hidden widths of each modality's"
                + " MLP encoder (ReLU between layers, then the projection to --d, L2-normalised); none: a linear"
                + " encoder", s -> s.custom().hiddenDims().isEmpty() ? "none" : s.custom().hiddenDims());
    }

    private TrainFlags() {
    }

    private static void add(String name, String label, ExperimentKind only, Type type, String def, String help,
                            Function<RunSpec, Object> getter) {
        FLAGS.put(name, new Flag(name, label, only, type, def, help, getter));
    }

    /** Every flag, in help order. */
    public static List<Flag> all() {
        return List.copyOf(FLAGS.values());
    }

    /** The flag called {@code name} (without dashes), or null. */
    public static Flag get(String name) {
        return FLAGS.get(name);
    }

    /** A flag value as text on a command line: booleans as True/False, lists comma-separated. */
    public static String text(Object v) {
        if (v instanceof Boolean b) {
            return BooleanFlag.format(b);
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            l.forEach(o -> parts.add(String.valueOf(o)));
            return String.join(",", parts);
        }
        if (v instanceof ExperimentKind e) {
            return e.flag();
        }
        if (v instanceof LossFn f) {
            return f.flag();
        }
        if (v instanceof NegativeSampling n) {
            return n.flag();
        }
        if (v instanceof TextEmbedding t) {
            return t.flag();
        }
        if (v instanceof SparkTrainingMaster m) {
            return m.flag();
        }
        if (v instanceof SparkNegatives n) {
            return n.flag();
        }
        return String.valueOf(v);
    }

    /** " binary_xor a,b,c; symile_m3 audio,image,text; ..." from the experiments' own modality lists. */
    private static String modalityNames() {
        StringBuilder out = new StringBuilder();
        for (ExperimentKind k : ExperimentKind.values()) {
            out.append(out.length() == 0 ? " " : "; ").append(k.flag()).append(' ')
                    .append(k == ExperimentKind.CUSTOM ? "its --modalities" : String.join(",", k.modalities()));
        }
        return out.toString();
    }
}
