package org.symile.app.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one {@code train} run is told: complete (experiment defaults filled in), validated once, by the
 * records' constructors, with messages naming the upstream flag. The flag names are its only external vocabulary:
 * {@link #fromFlags} builds one from flag texts (the CLI, sweeps, tests), {@link #toFlags()} gives them back,
 * and {@link #toJson()}/{@link #fromJson} store it in checkpoints and run_info.json.
 *
 * @param experiment     {@code --experiment}
 * @param dataDir        {@code --data_dir} (required for symile_m3, symile_mimic and custom, null for binary_xor)
 * @param ckptSaveDir    {@code --ckpt_save_dir}: root of run directories
 * @param ckptPath       {@code --ckpt_path}: the checkpoint to resume from, or null
 * @param seed           {@code --seed}
 * @param useSeed        {@code --use_seed}: seed every stream from {@code seed}; otherwise one is drawn and logged
 * @param wandb          {@code --wandb} (accepted, not available here)
 * @param wandbRunId     {@code --wandb_run_id} (accepted, unused)
 * @param ui             {@code --ui}: training statistics to DL4J's training UI, served while the run trains
 * @param uiPort         {@code --ui_port}: the UI's port (0: any free port)
 * @param loss           the objective
 * @param trainer        the training loop
 * @param optimizer      AdamW
 * @param experimentSpec the experiment's own settings; its kind is {@code experiment}
 * @param spark          {@code --spark_master} and its knobs: data-parallel training on Spark, or null to train in
 *                       this process
 */
public record RunSpec(ExperimentKind experiment, Path dataDir, Path ckptSaveDir, Path ckptPath, long seed,
                      boolean useSeed, boolean wandb, String wandbRunId, boolean ui, int uiPort, LossSpec loss,
                      TrainerSpec trainer,
                      OptimizerSpec optimizer, ExperimentSpec experimentSpec, SparkSpec spark) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public RunSpec {
        Objects.requireNonNull(experiment, "--experiment");
        Objects.requireNonNull(ckptSaveDir, "--ckpt_save_dir");
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(trainer, "trainer");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(experimentSpec, "experimentSpec");
        if (experimentSpec.kind() != experiment) {
            throw new IllegalArgumentException("--experiment " + experiment + ": settings of " + experimentSpec.kind()
                    + " given");
        }
        if (uiPort < 0 || uiPort > 65535) {
            throw new IllegalArgumentException("--ui_port: expected a TCP port 0..65535 (0: any free port), got "
                    + uiPort);
        }
        if (experiment != ExperimentKind.BINARY_XOR && dataDir == null) {
            throw new IllegalArgumentException("--data_dir: required for --experiment " + experiment);
        }
        if (experiment == ExperimentKind.SYMILE_MIMIC && loss.memoryLean()) {
            // the loss is the DL4J graph's output layer, which has no chunked form; at MIMIC's batch sizes the
            // [B^2, d] products are small next to the ResNets' activations (B 32, d 8192: ~200 MB of ~7 GB)
            throw new IllegalArgumentException("--memory_lean True: not available for symile_mimic, whose loss is"
                    + " part of the DL4J network; use --negative_sampling n for batches whose O(N^2) products do not"
                    + " fit");
        }
        loss.checkModalities(experimentSpec instanceof CustomSpec c ? c.modalities() : experiment.modalities(),
                experimentSpec.d());
        if (spark != null && experiment == ExperimentKind.BINARY_XOR) {
            throw new IllegalArgumentException("--spark_master: binary_xor trains in one process (its p_hat models"
                    + " already train side by side, --p_hat_workers); Spark trains symile_m3, symile_mimic and custom");
        }
        if (loss.lossFn() != LossFn.CLIP && trainer.batchSzTrain() < 2) {
            throw new IllegalArgumentException("--batch_sz_train: --loss_fn " + loss.lossFn().flag()
                    + " needs at least 2 rows per batch, got " + trainer.batchSzTrain());
        }
        if (experimentSpec instanceof XorSpec x) {
            // binary_xor validates and tests in whole batches; refused here, before any run directory exists
            requireWholeBatch("--val_n", x.valN(), "--batch_sz_val", trainer.batchSzVal());
            requireWholeBatch("--test_n", x.testN(), "--batch_sz_test", trainer.batchSzTest());
        }
    }

    private static void requireWholeBatch(String rowsFlag, int rows, String batchFlag, int batch) {
        if (rows < batch) {
            throw new IllegalArgumentException(rowsFlag + ": " + rows + " samples make no whole batch of " + batchFlag
                    + " " + batch);
        }
    }

    /** The binary_xor settings; throws for another experiment. */
    public XorSpec xor() {
        return as(XorSpec.class);
    }

    /** The symile_m3 settings; throws for another experiment. */
    public M3Spec m3() {
        return as(M3Spec.class);
    }

    /** The symile_mimic settings; throws for another experiment. */
    public MimicSpec mimic() {
        return as(MimicSpec.class);
    }

    /** The custom experiment's settings; throws for another experiment. */
    public CustomSpec custom() {
        return as(CustomSpec.class);
    }

    /** This run's modality names in the model's order: the experiment's own, or custom's {@code --modalities}. */
    public List<String> modalities() {
        return experimentSpec instanceof CustomSpec c ? c.modalities() : experiment.modalities();
    }

    private <T extends ExperimentSpec> T as(Class<T> type) {
        if (!type.isInstance(experimentSpec)) {
            throw new IllegalStateException("a " + experiment + " run has no " + type.getSimpleName());
        }
        return type.cast(experimentSpec);
    }

    /**
     * Builds a spec from flag texts (name without dashes -> value as on a command line). Absent flags take their
     * default, per experiment where upstream's scripts differ.
     *
     * @throws IllegalArgumentException naming the flag: unknown, of another experiment, unparsable or invalid
     */
    public static RunSpec fromFlags(Map<String, String> flags) {
        Map<String, Object> given = new LinkedHashMap<>();
        flags.forEach((name, text) -> {
            TrainFlags.Flag f = TrainFlags.get(name);
            if (f == null) {
                throw new IllegalArgumentException("--" + name + ": not a flag of train");
            }
            given.put(name, f.parse(text));
        });
        if (!given.containsKey("experiment")) {
            throw new IllegalArgumentException("--experiment: required (binary_xor, symile_m3, symile_mimic or custom)");
        }
        return new SpecBuilder((ExperimentKind) given.get("experiment"), given).build();
    }

    /**
     * The rows a model encodes at once in a gradient-cached step: {@code --micro_batch_sz}; with Spark's global
     * negatives and no micro-batches, each worker's whole batch; 0 for plain steps.
     */
    public int microBatchRows() {
        if (trainer.microBatchSz() > 0) {
            return trainer.microBatchSz();
        }
        return spark != null && spark.negatives() == SparkNegatives.GLOBAL ? trainer.batchSzTrain() : 0;
    }

    /** Flag name -> value (null values omitted), in help order; only the flags of this run's experiment. */
    public Map<String, Object> toFlags() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (TrainFlags.Flag f : TrainFlags.all()) {
            if (f.only() == null || f.only() == experiment) {
                Object v = f.getter().apply(this);
                if (v != null) {
                    m.put(f.name(), v instanceof Path ? v.toString() : v);
                }
            }
        }
        return m;
    }

    /** Flag name -> value text, as {@link #fromFlags} reads it. */
    public Map<String, String> toFlagTexts() {
        Map<String, String> m = new LinkedHashMap<>();
        toFlags().forEach((k, v) -> m.put(k, TrainFlags.text(v)));
        return m;
    }

    /** {@code train} arguments that reproduce this run: {@code --flag value} pairs. */
    public List<String> toCommandLine() {
        List<String> out = new ArrayList<>();
        toFlagTexts().forEach((k, v) -> {
            out.add("--" + k);
            out.add(v);
        });
        return out;
    }

    /** This spec with some flags replaced (flag name -> value text), validated again. */
    public RunSpec with(Map<String, String> overrides) {
        Map<String, String> m = toFlagTexts();
        m.putAll(overrides);
        return fromFlags(m);
    }

    /** The flags as a JSON object: numbers, booleans, strings and the p_hats array, under their flag names. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        toFlags().forEach((k, v) -> n.set(k, JSON.valueToTree(v instanceof Enum<?> ? TrainFlags.text(v) : v)));
        return n;
    }

    /**
     * Reads {@link #toJson()}'s form (also what a checkpoint records).
     *
     * @param source names the file in errors
     */
    public static RunSpec fromJson(JsonNode json, String source) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException(source + ": no recorded train arguments");
        }
        Map<String, String> flags = new LinkedHashMap<>();
        json.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            String text;
            if (v.isBoolean()) {
                text = BooleanFlag.format(v.asBoolean());
            } else if (v.isArray()) {
                List<String> parts = new ArrayList<>();
                v.forEach(p -> parts.add(p.asText()));
                text = String.join(",", parts);
            } else {
                text = v.asText();
            }
            flags.put(e.getKey(), text);
        });
        try {
            return fromFlags(flags);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": recorded arguments do not form a valid run: "
                    + e.getMessage(), e);
        }
    }
}
