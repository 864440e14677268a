package org.symile.app.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.symile.samediff.NegativeSampling;

/**
 * Fills in defaults for the flags a user did not give and assembles the spec records, whose constructors validate.
 * A flag of another experiment is refused rather than ignored.
 */
final class SpecBuilder {
    private final ExperimentKind kind;
    private final Map<String, Object> given;
    private final boolean missingness;

    SpecBuilder(ExperimentKind kind, Map<String, Object> given) {
        this.kind = kind;
        this.given = given;
        for (String name : given.keySet()) {
            TrainFlags.Flag f = TrainFlags.get(name);
            if (f.only() != null && f.only() != kind) {
                throw new IllegalArgumentException("--" + name + ": applies to --experiment " + f.only() + " only, not "
                        + kind);
            }
        }
        this.missingness = kind == ExperimentKind.SYMILE_M3 && Boolean.TRUE.equals(value("missingness"));
    }

    RunSpec build() {
        LossFn lossFn = (LossFn) value("loss_fn");
        // CLIP has no negative sampling: unless one is given (and refused), record n rather than the default
        NegativeSampling ns = given.containsKey("negative_sampling") || lossFn.samplesNegatives()
                ? (NegativeSampling) value("negative_sampling") : NegativeSampling.N;
        Object eps = value("label_smoothing");
        @SuppressWarnings("unchecked")
        List<String> anchors = (List<String>) value("anchors");
        LossSpec loss = new LossSpec(lossFn, ns, bool("memory_lean"), dbl("logit_scale_init"),
                bool("freeze_logit_scale"), eps == null ? LossSpec.defaultLabelSmoothing(lossFn) : (Double) eps,
                anchors);
        TrainerSpec trainer = new TrainerSpec(integer("epochs"), integer("check_val_every_n_epoch"),
                dbl("limit_train_batches"), dbl("limit_val_batches"), integer("batch_sz_train"),
                integer("batch_sz_val"), integer("batch_sz_test"), bool("drop_last"), integer("micro_batch_sz"));
        if (kind == ExperimentKind.SYMILE_MIMIC && trainer.microBatchSz() == 1) {
            throw new IllegalArgumentException("--micro_batch_sz 1: symile_mimic's batch norm normalises each"
                    + " micro-batch with its own statistics, which needs at least 2 rows");
        }
        OptimizerSpec optimizer = OptimizerSpec.of(dbl("lr"), dbl("weight_decay"));
        ExperimentSpec exp = switch (kind) {
            case BINARY_XOR -> xor();
            case SYMILE_M3 -> m3();
            case SYMILE_MIMIC -> new MimicSpec(integer("d"), bool("pretrained"), (Path) value("pretrained_dir"),
                    integer("resnet_base_width"));
            case CUSTOM -> custom();
        };
        SparkSpec spark = spark();
        if (exp instanceof M3Spec m && m.textDropout() > 0 && spark != null
                && spark.negatives() == SparkNegatives.GLOBAL) {
            throw new IllegalArgumentException("--text_dropout " + m.textDropout() + ": not with --spark_negatives"
                    + " global, whose workers encode and back-propagate in separate jobs without the step's dropout"
                    + " seed; use local negatives or --text_dropout 0");
        }
        return new RunSpec(kind, (Path) value("data_dir"), (Path) value("ckpt_save_dir"), (Path) value("ckpt_path"),
                (Long) value("seed"), bool("use_seed"), bool("wandb"), (String) value("wandb_run_id"), bool("ui"),
                integer("ui_port"), loss, trainer, optimizer, exp, spark);
    }

    /** The Spark settings with --spark_master, else null (and then its knobs are refused). */
    private SparkSpec spark() {
        String master = (String) value("spark_master");
        if (master == null) {
            for (String knob : new String[] {"spark_training_master", "spark_workers",
                "spark_averaging_frequency", "spark_negatives"}) {
                if (given.containsKey(knob)) {
                    throw new IllegalArgumentException("--" + knob + ": applies to training on Spark only; give"
                            + " --spark_master as well");
                }
            }
            return null;
        }
        SparkTrainingMaster how = (SparkTrainingMaster) value("spark_training_master");
        Object workers = value("spark_workers");
        Object frequency = value("spark_averaging_frequency");
        int steps = frequency != null ? (Integer) frequency : how == SparkTrainingMaster.PARAMETER_AVERAGING
                ? SparkSpec.DEFAULT_AVERAGING_FREQUENCY : 1;
        return new SparkSpec(master, how, workers == null ? 0 : (Integer) workers, steps,
                (SparkNegatives) value("spark_negatives"));
    }

    @SuppressWarnings("unchecked")
    private XorSpec xor() {
        Object ps = value("p_hats");
        return new XorSpec(integer("d"), integer("d_v"), integer("train_n"), integer("val_n"), integer("test_n"),
                bool("bootstrap"), integer("bootstrap_n"), ps == null ? XorSpec.defaultPHats() : (List<Double>) ps,
                integer("p_hat_workers"));
    }

    @SuppressWarnings("unchecked")
    private CustomSpec custom() {
        List<String> modalities = (List<String>) value("modalities");
        if (modalities == null) {
            throw new IllegalArgumentException("--modalities: required for --experiment custom (the names of the"
                    + " tensors NAME_<split>.npy in each split directory, at least 2, separated by commas)");
        }
        return new CustomSpec(integer("d"), modalities, (String) value("target_modality"),
                (List<Integer>) value("hidden_dims"));
    }

    private M3Spec m3() {
        String modelId = (String) value("text_model_id");
        Integer hidden = (Integer) value("text_hidden");
        Integer heads = (Integer) value("text_heads");
        Integer inter = (Integer) value("text_intermediate");
        if (modelId == null) {
            hidden = hidden == null ? M3Spec.DEFAULT_TEXT_HIDDEN : hidden;
            heads = heads == null ? M3Spec.DEFAULT_TEXT_HEADS : heads;
            inter = inter == null ? 4 * hidden : inter;
        }
        return new M3Spec(integer("d"), (String) value("train_csv"), (String) value("val_csv"),
                (String) value("test_csv"), (Path) value("translations_path"), (Integer) value("num_langs"),
                missingness, (Double) value("missingness_prob"), (String) value("audio_model_id"),
                (String) value("image_model_id"), modelId, (TextEmbedding) value("text_embedding"),
                (String) value("metadata_filename"), hidden, heads, inter, dbl("text_dropout"));
    }

    /** The given value, else the flag's fixed default, else the experiment's default, else null. */
    private Object value(String name) {
        if (given.containsKey(name)) {
            return given.get(name);
        }
        TrainFlags.Flag f = TrainFlags.get(name);
        if (f.defaultValue() != null) {
            return f.parse(f.defaultValue());
        }
        Object d = ExperimentDefaults.of(kind, missingness, name);
        return d == null ? null : f.parse(String.valueOf(d));
    }

    private int integer(String name) {
        Object v = value(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + ": required");
        }
        return (Integer) v;
    }

    private double dbl(String name) {
        Object v = value(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + ": required");
        }
        return (Double) v;
    }

    private boolean bool(String name) {
        return Boolean.TRUE.equals(value(name));
    }
}
