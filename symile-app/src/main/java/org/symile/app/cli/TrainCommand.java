package org.symile.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.symile.app.config.BooleanFlag;
import org.symile.app.config.Experiment;
import org.symile.app.config.ExperimentDefaults;
import org.symile.app.config.TrainArgs;
import org.symile.app.experiments.Experiments;
import org.symile.samediff.NegativeSampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code symile train}: upstream's {@code main.py}. Flags keep upstream's names and meanings; flags without a
 * value take the experiment's default (spec §13).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a Symile (or CLIP) model: binary_xor (paper 5.1, sweeps p_hat and tests each model),"
                + " symile_m3 (5.2) or symile_mimic (5.3). Flags are upstream's; defaults in brackets are per"
                + " experiment: binary_xor / symile_m3 / symile_mimic."})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--experiment", required = true, paramLabel = "NAME",
            description = "binary_xor, symile_m3 or symile_mimic (required).")
    String experiment;

    @Option(names = "--batch_sz_train", paramLabel = "N", description = "Training batch size [1000 / 256 / 280].")
    Integer batchSzTrain;

    @Option(names = "--batch_sz_val", paramLabel = "N",
            description = "Validation batch size; also the encoding chunk for retrieval sets [1000 / 256 / 280].")
    Integer batchSzVal;

    @Option(names = "--batch_sz_test", paramLabel = "N", description = "Test batch size [1000 / 256 / 256].")
    Integer batchSzTest;

    @Option(names = "--check_val_every_n_epoch", paramLabel = "N",
            description = "Validate (and, for M3/MIMIC, checkpoint) every N epochs [1 / 2 / 1].")
    Integer checkValEveryNEpoch;

    @Option(names = "--ckpt_save_dir", paramLabel = "DIR", defaultValue = "ckpts",
            description = "Root of the run directories <yyyyMMdd_HHmmss>_<rand4> (default: ${DEFAULT-VALUE}).")
    Path ckptSaveDir;

    @Option(names = "--d", paramLabel = "N", description = "Width of every projection head [16 / 8192 / 8192].")
    Integer d;

    @Option(names = "--data_dir", paramLabel = "DIR",
            description = "Split-tensor root (symile_m3, symile_mimic; required there).")
    Path dataDir;

    @Option(names = "--drop_last", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1",
            description = "Drop the last partial training batch (default: False).")
    Boolean dropLast;

    @Option(names = "--negative_sampling", paramLabel = "n|n_squared",
            description = "Symile negatives: n (O(N)) or n_squared (O(N^2)) [n / n / n_squared].")
    String negativeSampling;

    @Option(names = "--memory_lean", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1",
            description = "With n_squared: compute the loss in chunks without the [B^2, d] product, at the cost of a"
                    + " second forward pass of the encoders (default: False).")
    Boolean memoryLean;

    @Option(names = "--epochs", paramLabel = "N", description = "Training epochs [100 / 24 / 80].")
    Integer epochs;

    @Option(names = "--freeze_logit_scale", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1",
            description = "Keep the logit scale at its initial value (default: False).")
    Boolean freezeLogitScale;

    @Option(names = "--ckpt_path", paramLabel = "FILE",
            description = "Resume from this checkpoint: weights, optimizer state, epoch and random streams.")
    Path ckptPath;

    @Option(names = "--logit_scale_init", paramLabel = "X",
            description = "Initial log of the logit scale (CLIP uses 2.65926) [-0.3 / -6 / -7].")
    Double logitScaleInit;

    @Option(names = "--loss_fn", paramLabel = "symile|clip", defaultValue = "symile",
            description = "symile or clip (pairwise baseline) (default: ${DEFAULT-VALUE}).")
    String lossFn;

    @Option(names = "--lr", paramLabel = "X", description = "AdamW learning rate [0.1 / 1e-4 (1e-5 with missingness)"
            + " / 5e-4].")
    Double lr;

    @Option(names = "--weight_decay", paramLabel = "X",
            description = "AdamW decoupled weight decay, applied to every parameter incl. the logit scale"
                    + " [0.01 / 0.0 (0.001 with missingness) / 0.2].")
    Double weightDecay;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed used with --use_seed True (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--use_seed", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1", defaultValue = "False",
            description = "Seed every random stream from --seed so runs repeat exactly; otherwise a seed is drawn"
                    + " and logged (default: ${DEFAULT-VALUE}).")
    boolean useSeed;

    @Option(names = "--wandb", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1", defaultValue = "False",
            description = "Accepted for compatibility; Weights & Biases logging is not available here (metrics go to"
                    + " run_info.json and CSV files) (default: ${DEFAULT-VALUE}).")
    boolean wandb;

    @Option(names = "--wandb_run_id", paramLabel = "ID", description = "Accepted for compatibility (unused).")
    String wandbRunId;

    @Option(names = "--limit_train_batches", paramLabel = "X", defaultValue = "1.0",
            description = "Fraction (<= 1.0) or number (> 1) of training batches per epoch (default: ${DEFAULT-VALUE}).")
    double limitTrainBatches;

    @Option(names = "--limit_val_batches", paramLabel = "X", defaultValue = "1.0",
            description = "Fraction (<= 1.0) or number (> 1) of validation batches (default: ${DEFAULT-VALUE}).")
    double limitValBatches;

    // ---- binary_xor
    @Option(names = "--train_n", paramLabel = "N", description = "binary_xor: training samples [10000].")
    Integer trainN;

    @Option(names = "--val_n", paramLabel = "N", description = "binary_xor: validation samples [1000].")
    Integer valN;

    @Option(names = "--test_n", paramLabel = "N", description = "binary_xor: test samples [5000].")
    Integer testN;

    @Option(names = "--d_v", paramLabel = "N", description = "binary_xor: bits per vector [5].")
    Integer dV;

    @Option(names = "--bootstrap", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1", defaultValue = "False",
            description = "Evaluate on --bootstrap_n fresh test draws (binary_xor) or resamples (test) (default:"
                    + " ${DEFAULT-VALUE}).")
    boolean bootstrap;

    @Option(names = "--bootstrap_n", paramLabel = "N", defaultValue = "10",
            description = "Number of bootstrap evaluations (default: ${DEFAULT-VALUE}).")
    int bootstrapN;

    @Option(names = "--p_hats", paramLabel = "P", split = ",",
            description = "binary_xor: the p_hat values to train (default: 0.0,0.1,...,1.0 as upstream).")
    List<Double> pHats;

    @Option(names = "--p_hat_workers", paramLabel = "N", defaultValue = "0",
            description = "binary_xor: p_hat values trained at once, each on one thread; results do not depend on it"
                    + " (default: ${DEFAULT-VALUE} = one per CPU core).")
    int pHatWorkers;

    // ---- symile_m3
    @Option(names = "--train_csv", defaultValue = "train.csv", description = "symile_m3: unused by training"
            + " (default: ${DEFAULT-VALUE}).")
    String trainCsv;

    @Option(names = "--val_csv", defaultValue = "val.csv", description = "symile_m3: unused (default: ${DEFAULT-VALUE}).")
    String valCsv;

    @Option(names = "--test_csv", defaultValue = "test.csv", description = "symile_m3: unused (default: ${DEFAULT-VALUE}).")
    String testCsv;

    @Option(names = "--translations_path", paramLabel = "FILE", description = "symile_m3: unused by training.")
    Path translationsPath;

    @Option(names = "--num_langs", paramLabel = "N",
            description = "symile_m3: 2, 5 or 10 languages (default: read from the data's lang files).")
    Integer numLangs;

    @Option(names = "--missingness", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1", defaultValue = "False",
            description = "symile_m3: train with missing modalities (default: ${DEFAULT-VALUE}).")
    boolean missingness;

    @Option(names = "--missingness_prob", paramLabel = "P",
            description = "symile_m3: which missingness files to use: 0.5, 0.6, 0.65, 0.7 or 0.75.")
    Double missingnessProb;

    @Option(names = "--audio_model_id", description = "symile_m3: recorded only (features are precomputed).")
    String audioModelId;

    @Option(names = "--image_model_id", description = "symile_m3: recorded only (features are precomputed).")
    String imageModelId;

    @Option(names = "--text_model_id", paramLabel = "ID|DIR",
            description = "symile_m3: Hugging Face model (local directory or HF cache) whose embeddings and first"
                    + " encoder layer initialise the text encoder; without it the encoder is built from --text_*"
                    + " sizes with random initialisation.")
    String textModelId;

    @Option(names = "--text_embedding", defaultValue = "eos",
            description = "symile_m3: eos or bos; ignored, as upstream (default: ${DEFAULT-VALUE}).")
    String textEmbedding;

    @Option(names = "--metadata_filename", defaultValue = "metadata.json",
            description = "symile_m3: metadata file in --data_dir (default: ${DEFAULT-VALUE}).")
    String metadataFilename;

    @Option(names = "--text_hidden", paramLabel = "N", description = "symile_m3 without model files: hidden size.")
    Integer textHidden;

    @Option(names = "--text_heads", paramLabel = "N", description = "symile_m3 without model files: attention heads.")
    Integer textHeads;

    @Option(names = "--text_intermediate", paramLabel = "N",
            description = "symile_m3 without model files: feed-forward size.")
    Integer textIntermediate;

    @Option(names = "--text_vocab", paramLabel = "N",
            description = "symile_m3 without model files: vocabulary size (default: from the data's largest token id).")
    Integer textVocab;

    // ---- symile_mimic
    @Option(names = "--pretrained", paramLabel = "BOOL", converter = BooleanFlag.class, arity = "1", defaultValue = "False",
            description = "symile_mimic: initialise the ResNets from torchvision ImageNet weights (default:"
                    + " ${DEFAULT-VALUE}).")
    boolean pretrained;

    @Option(names = "--pretrained_dir", paramLabel = "DIR",
            description = "symile_mimic: where the torchvision .pth files are (default: ~/.cache/torch/hub/checkpoints).")
    Path pretrainedDir;

    @Option(names = "--resnet_base_width", paramLabel = "N", defaultValue = "64",
            description = "symile_mimic: channels of the ResNets' first stage, 64 as torchvision; smaller widths"
                    + " make CPU demos and tests fast (extension; default: ${DEFAULT-VALUE}).")
    int resnetBaseWidth;

    @Override
    public Integer call() {
        TrainArgs args = toArgs();
        Experiments.train(args);
        return 0;
    }

    /**
     * The arguments recorded in a checkpoint ({@link TrainArgs#toFlags()} as JSON), parsed again, with
     * {@code overrides} (flag name -> value) applied.
     */
    public static TrainArgs fromRecorded(com.fasterxml.jackson.databind.JsonNode flags,
                                         java.util.Map<String, String> overrides) {
        List<String> argv = new ArrayList<>();
        flags.fields().forEachRemaining(e -> {
            if (!overrides.containsKey(e.getKey())) {
                argv.add("--" + e.getKey());
                argv.add(e.getValue().asText());
            }
        });
        overrides.forEach((k, v) -> {
            argv.add("--" + k);
            argv.add(v);
        });
        TrainCommand cmd = new TrainCommand();
        new picocli.CommandLine(cmd).setOverwrittenOptionsAllowed(true).parseArgs(argv.toArray(new String[0]));
        return cmd.toArgs();
    }

    /** Applies the experiment's defaults and validates every value. */
    public TrainArgs toArgs() {
        Experiment exp = Experiment.fromFlag(experiment);
        ExperimentDefaults def = ExperimentDefaults.of(exp, missingness);
        if (!lossFn.equals("symile") && !lossFn.equals("clip")) {
            throw new IllegalArgumentException("--loss_fn: expected symile or clip, got '" + lossFn + "'");
        }
        NegativeSampling ns = NegativeSampling.fromFlag(negativeSampling == null ? def.negativeSampling()
                : negativeSampling);
        if (lossFn.equals("clip") && negativeSampling != null && ns == NegativeSampling.N_SQUARED) {
            throw new IllegalArgumentException("--negative_sampling n_squared: applies to --loss_fn symile only;"
                    + " omit it with --loss_fn clip");
        }
        boolean lean = memoryLean != null && memoryLean;
        if (lean && ns != NegativeSampling.N_SQUARED) {
            throw new IllegalArgumentException("--memory_lean True: needs --negative_sampling n_squared, got " + ns);
        }
        int bTrain = positive("--batch_sz_train", batchSzTrain, def.batchSzTrain());
        int bVal = positive("--batch_sz_val", batchSzVal, def.batchSzVal());
        int bTest = positive("--batch_sz_test", batchSzTest, def.batchSzTest());
        if (lossFn.equals("symile") && bTrain < 2) {
            throw new IllegalArgumentException("--batch_sz_train: Symile needs at least 2 rows per batch, got " + bTrain);
        }
        int width = positive("--d", d, def.d());
        int nEpochs = positive("--epochs", epochs, def.epochs());
        int every = positive("--check_val_every_n_epoch", checkValEveryNEpoch, def.checkValEveryNEpoch());
        double init = finite("--logit_scale_init", logitScaleInit, def.logitScaleInit());
        double rate = finite("--lr", lr, def.lr());
        if (rate <= 0) {
            throw new IllegalArgumentException("--lr: expected a positive learning rate, got " + rate);
        }
        double wd = finite("--weight_decay", weightDecay, def.weightDecay());
        if (wd < 0) {
            throw new IllegalArgumentException("--weight_decay: expected >= 0, got " + wd);
        }
        if (bootstrapN < 1) {
            throw new IllegalArgumentException("--bootstrap_n: expected a positive integer, got " + bootstrapN);
        }
        TrainArgs.XorArgs xor = null;
        TrainArgs.M3Args m3 = null;
        TrainArgs.MimicArgs mimic = null;
        switch (exp) {
            case BINARY_XOR -> {
                int dv = positive("--d_v", dV, ExperimentDefaults.XOR_D_V);
                if (dv > 16) {
                    throw new IllegalArgumentException("--d_v: expected 1..16 (2^d_v test candidates), got " + dv);
                }
                List<Double> ps = pHats == null ? defaultPHats() : List.copyOf(pHats);
                for (double p : ps) {
                    if (!(p >= 0 && p <= 1)) {
                        throw new IllegalArgumentException("--p_hats: expected probabilities in [0, 1], got " + p);
                    }
                }
                if (ps.isEmpty()) {
                    throw new IllegalArgumentException("--p_hats: expected at least one value");
                }
                xor = new TrainArgs.XorArgs(positive("--train_n", trainN, ExperimentDefaults.XOR_TRAIN_N),
                        positive("--val_n", valN, ExperimentDefaults.XOR_VAL_N),
                        positive("--test_n", testN, ExperimentDefaults.XOR_TEST_N), dv, bootstrap, bootstrapN, ps,
                        pHatWorkers);
            }
            case SYMILE_M3 -> {
                requireDataDir();
                if (numLangs != null && numLangs != 2 && numLangs != 5 && numLangs != 10) {
                    throw new IllegalArgumentException("--num_langs: expected 2, 5 or 10, got " + numLangs);
                }
                if (missingness && missingnessProb == null) {
                    throw new IllegalArgumentException("--missingness_prob: required with --missingness True"
                            + " (one of 0.5, 0.6, 0.65, 0.7, 0.75)");
                }
                if (!textEmbedding.equals("eos") && !textEmbedding.equals("bos")) {
                    throw new IllegalArgumentException("--text_embedding: expected eos or bos, got '" + textEmbedding
                            + "'");
                }
                m3 = new TrainArgs.M3Args(trainCsv, valCsv, testCsv, translationsPath, numLangs, missingness,
                        missingnessProb, audioModelId, imageModelId, textModelId, textEmbedding, metadataFilename,
                        optionalPositive("--text_hidden", textHidden), optionalPositive("--text_heads", textHeads),
                        optionalPositive("--text_intermediate", textIntermediate),
                        optionalPositive("--text_vocab", textVocab));
            }
            case SYMILE_MIMIC -> {
                requireDataDir();
                mimic = new TrainArgs.MimicArgs(pretrained, pretrainedDir, resnetBaseWidth);
            }
            default -> throw new IllegalStateException(exp.toString());
        }
        return new TrainArgs(exp, bTrain, bVal, bTest, every, ckptSaveDir, width, dataDir,
                dropLast != null && dropLast, ns, lean, nEpochs, freezeLogitScale != null && freezeLogitScale,
                ckptPath, init, lossFn, rate, wd, seed, useSeed, wandb, wandbRunId, limitTrainBatches,
                limitValBatches, xor, m3, mimic);
    }

    private void requireDataDir() {
        if (dataDir == null) {
            throw new IllegalArgumentException("--data_dir: required for --experiment " + experiment);
        }
    }

    static List<Double> defaultPHats() {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            out.add(i / 10.0);
        }
        return out;
    }

    private static int positive(String flag, Integer value, int fallback) {
        int v = value == null ? fallback : value;
        if (v < 1) {
            throw new IllegalArgumentException(flag + ": expected a positive integer, got " + v);
        }
        return v;
    }

    private static Integer optionalPositive(String flag, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(flag + ": expected a positive integer, got " + value);
        }
        return value;
    }

    private static double finite(String flag, Double value, double fallback) {
        double v = value == null ? fallback : value;
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(flag + ": expected a finite number, got " + v);
        }
        return v;
    }
}
