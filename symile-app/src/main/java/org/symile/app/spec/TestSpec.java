package org.symile.app.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One {@code test} run (upstream's {@code test.py}, §2.2, §2.6): which checkpoint, on which data, and how the test
 * set is resampled.
 *
 * @param experiment  symile_m3, symile_mimic or custom (binary_xor tests inside {@code train})
 * @param batchSzTest encoding chunk size; the accuracy does not depend on it
 * @param bootstrap   resample the test set {@code bootstrapN} times (M3: bank and queries independently; MIMIC:
 *                    the queries, each with its own negatives)
 * @param seed        with {@code useSeed} (default True, as upstream's test.py) seeds resampling and tie-breaking
 * @param numLangs    symile_m3: when given, the test rows' languages must be in upstream's list for that many
 */
public record TestSpec(ExperimentKind experiment, int batchSzTest, boolean bootstrap, int bootstrapN, Path dataDir,
                       String description, Path ckptPath, Path saveDir, long seed, boolean useSeed,
                       Integer numLangs) {

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public TestSpec {
        Objects.requireNonNull(experiment, "--experiment");
        if (experiment == ExperimentKind.BINARY_XOR) {
            throw new IllegalArgumentException("--experiment: expected symile_m3, symile_mimic or custom (binary_xor tests"
                    + " inside train), got 'binary_xor'");
        }
        TrainerSpec.positive("--batch_sz_test", batchSzTest);
        TrainerSpec.positive("--bootstrap_n", bootstrapN);
        Objects.requireNonNull(dataDir, "--data_dir");
        Objects.requireNonNull(ckptPath, "--ckpt_path");
        Objects.requireNonNull(saveDir, "--save_dir");
        description = description == null ? "" : description;
        if (numLangs != null) {
            if (experiment != ExperimentKind.SYMILE_M3) {
                throw new IllegalArgumentException("--num_langs: applies to --experiment symile_m3 only");
            }
            if (!List.of(2, 5, 10).contains(numLangs)) {
                throw new IllegalArgumentException("--num_langs: expected 2, 5 or 10, got " + numLangs);
            }
        }
    }

    /** Evaluations to run: {@code bootstrapN} with bootstrap, else one. */
    public int evaluations() {
        return bootstrap ? bootstrapN : 1;
    }
}
