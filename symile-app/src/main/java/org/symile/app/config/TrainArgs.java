package org.symile.app.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.symile.samediff.NegativeSampling;

/**
 * The settings of one {@code train} run, complete (experiment defaults filled in) and validated. Component names
 * are the camel-case forms of upstream's flags; {@link #toFlags()} gives them back under the flag names, which is
 * the vocabulary of checkpoints, {@code run_info.json}, replayable command lines and sweep keys.
 */
public record TrainArgs(
        Experiment experiment,
        int batchSzTrain, int batchSzVal, int batchSzTest,
        int checkValEveryNEpoch,
        Path ckptSaveDir,
        int d,
        Path dataDir,
        boolean dropLast,
        NegativeSampling negativeSampling,
        boolean memoryLean,
        int epochs,
        boolean freezeLogitScale,
        Path ckptPath,
        double logitScaleInit,
        String lossFn,
        double lr,
        double weightDecay,
        long seed,
        boolean useSeed,
        boolean wandb,
        String wandbRunId,
        double limitTrainBatches,
        double limitValBatches,
        XorArgs xor,
        M3Args m3,
        MimicArgs mimic) {

    /**
     * binary_xor settings; {@code pHats} is the p̂ sweep (upstream: 0.0, 0.1, …, 1.0), {@code pHatWorkers} how many
     * p̂ values train at once (0: one per CPU core, at most one per p̂).
     */
    public record XorArgs(int trainN, int valN, int testN, int dV, boolean bootstrap, int bootstrapN,
                          List<Double> pHats, int pHatWorkers) {
        public XorArgs {
            if (pHatWorkers < 0) {
                throw new IllegalArgumentException("--p_hat_workers: expected 0 (one per core) or a positive count,"
                        + " got " + pHatWorkers);
            }
        }
    }

    /** symile_m3 settings. */
    public record M3Args(String trainCsv, String valCsv, String testCsv, Path translationsPath, Integer numLangs,
                         boolean missingness, Double missingnessProb, String audioModelId, String imageModelId,
                         String textModelId, String textEmbedding, String metadataFilename, Integer textHidden,
                         Integer textHeads, Integer textIntermediate, Integer textVocab) {
    }

    /** symile_mimic settings. */
    public record MimicArgs(boolean pretrained, Path pretrainedDir, int resnetBaseWidth) {
        public MimicArgs {
            if (resnetBaseWidth < 1) {
                throw new IllegalArgumentException("--resnet_base_width: expected a positive integer, got "
                        + resnetBaseWidth);
            }
            if (pretrained && resnetBaseWidth != 64) {
                throw new IllegalArgumentException("--resnet_base_width " + resnetBaseWidth
                        + ": torchvision's pretrained weights need 64 with --pretrained True");
            }
        }
    }

    /** Flag name -> value (null values omitted), in {@code --help} order. */
    public Map<String, Object> toFlags() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", experiment.flag());
        m.put("batch_sz_train", batchSzTrain);
        m.put("batch_sz_val", batchSzVal);
        m.put("batch_sz_test", batchSzTest);
        m.put("check_val_every_n_epoch", checkValEveryNEpoch);
        m.put("ckpt_save_dir", ckptSaveDir.toString());
        m.put("d", d);
        put(m, "data_dir", dataDir);
        m.put("drop_last", py(dropLast));
        m.put("negative_sampling", negativeSampling.flag());
        m.put("memory_lean", py(memoryLean));
        m.put("epochs", epochs);
        m.put("freeze_logit_scale", py(freezeLogitScale));
        put(m, "ckpt_path", ckptPath);
        m.put("logit_scale_init", logitScaleInit);
        m.put("loss_fn", lossFn);
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("seed", seed);
        m.put("use_seed", py(useSeed));
        m.put("wandb", py(wandb));
        put(m, "wandb_run_id", wandbRunId);
        m.put("limit_train_batches", limitTrainBatches);
        m.put("limit_val_batches", limitValBatches);
        switch (experiment) {
            case BINARY_XOR -> {
                m.put("train_n", xor.trainN());
                m.put("val_n", xor.valN());
                m.put("test_n", xor.testN());
                m.put("d_v", xor.dV());
                m.put("bootstrap", py(xor.bootstrap()));
                m.put("bootstrap_n", xor.bootstrapN());
                m.put("p_hats", String.join(",", xor.pHats().stream().map(String::valueOf).toList()));
                m.put("p_hat_workers", xor.pHatWorkers());
            }
            case SYMILE_M3 -> {
                m.put("train_csv", m3.trainCsv());
                m.put("val_csv", m3.valCsv());
                m.put("test_csv", m3.testCsv());
                put(m, "translations_path", m3.translationsPath());
                put(m, "num_langs", m3.numLangs());
                m.put("missingness", py(m3.missingness()));
                put(m, "missingness_prob", m3.missingnessProb());
                put(m, "audio_model_id", m3.audioModelId());
                put(m, "image_model_id", m3.imageModelId());
                put(m, "text_model_id", m3.textModelId());
                m.put("text_embedding", m3.textEmbedding());
                m.put("metadata_filename", m3.metadataFilename());
                put(m, "text_hidden", m3.textHidden());
                put(m, "text_heads", m3.textHeads());
                put(m, "text_intermediate", m3.textIntermediate());
                put(m, "text_vocab", m3.textVocab());
            }
            case SYMILE_MIMIC -> {
                m.put("pretrained", py(mimic.pretrained()));
                put(m, "pretrained_dir", mimic.pretrainedDir());
                m.put("resnet_base_width", mimic.resnetBaseWidth());
            }
            default -> throw new IllegalStateException(experiment.toString());
        }
        return m;
    }

    /** {@code train} arguments that reproduce this run: {@code --flag value} pairs. */
    public List<String> toCommandLine() {
        List<String> out = new ArrayList<>();
        toFlags().forEach((k, v) -> {
            out.add("--" + k);
            out.add(String.valueOf(v));
        });
        return out;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v instanceof Path ? v.toString() : v);
        }
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }
}
