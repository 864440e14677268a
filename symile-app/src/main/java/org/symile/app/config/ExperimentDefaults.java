package org.symile.app.config;

/**
 * Working defaults per experiment, from upstream's development scripts (spec §13), so {@code train --experiment
 * binary_xor} runs alone. A flag given on the command line always wins.
 */
public record ExperimentDefaults(int batchSzTrain, int batchSzVal, int batchSzTest, int checkValEveryNEpoch, int d,
                                 String negativeSampling, int epochs, double logitScaleInit, double lr,
                                 double weightDecay) {

    public static ExperimentDefaults of(Experiment e, boolean missingness) {
        return switch (e) {
            case BINARY_XOR -> new ExperimentDefaults(1000, 1000, 1000, 1, 16, "n", 100, -0.3, 0.1, 0.01);
            case SYMILE_M3 -> missingness
                    ? new ExperimentDefaults(256, 256, 256, 2, 8192, "n", 24, -6, 1e-5, 0.001)
                    : new ExperimentDefaults(256, 256, 256, 2, 8192, "n", 24, -6, 1e-4, 0.0);
            case SYMILE_MIMIC -> new ExperimentDefaults(280, 280, 256, 1, 8192, "n_squared", 80, -7, 5e-4, 0.2);
        };
    }

    /** binary_xor sample counts and d_v (spec §13). */
    public static final int XOR_TRAIN_N = 10_000;
    public static final int XOR_VAL_N = 1_000;
    public static final int XOR_TEST_N = 5_000;
    public static final int XOR_D_V = 5;
}
