package org.symile.app.spec;

import java.util.List;

/**
 * binary_xor settings (upstream §3): {@code --d}, {@code --d_v}, the sample counts, {@code --bootstrap} (fresh
 * test draws), the p̂ sweep {@code --p_hats} (upstream: 0.0, 0.1, …, 1.0) and {@code --p_hat_workers} (p̂ values
 * trained at once; 0 = one per CPU core).
 */
public record XorSpec(int d, int dV, int trainN, int valN, int testN, boolean bootstrap, int bootstrapN,
                      List<Double> pHats, int pHatWorkers) implements ExperimentSpec {

    /** Largest {@code --d_v}: the test scores all 2^d_v candidates. */
    public static final int MAX_D_V = 16;

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public XorSpec {
        TrainerSpec.positive("--d", d);
        TrainerSpec.positive("--d_v", dV);
        if (dV > MAX_D_V) {
            throw new IllegalArgumentException("--d_v: expected 1.." + MAX_D_V + " (2^d_v test candidates), got " + dV);
        }
        TrainerSpec.positive("--train_n", trainN);
        TrainerSpec.positive("--val_n", valN);
        TrainerSpec.positive("--test_n", testN);
        TrainerSpec.positive("--bootstrap_n", bootstrapN);
        if (pHats == null || pHats.isEmpty()) {
            throw new IllegalArgumentException("--p_hats: expected at least one value");
        }
        for (Double p : pHats) {
            if (p == null || !(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("--p_hats: expected probabilities in [0, 1], got " + p);
            }
        }
        if (pHats.stream().distinct().count() != pHats.size()) {
            throw new IllegalArgumentException("--p_hats: every value may appear once, got " + pHats);
        }
        pHats = List.copyOf(pHats);
        if (pHatWorkers < 0) {
            throw new IllegalArgumentException("--p_hat_workers: expected 0 (one per core) or a positive count, got "
                    + pHatWorkers);
        }
    }

    /** Upstream's sweep: 0.0, 0.1, …, 1.0. */
    public static List<Double> defaultPHats() {
        Double[] out = new Double[11];
        for (int i = 0; i <= 10; i++) {
            out[i] = i / 10.0;
        }
        return List.of(out);
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.BINARY_XOR;
    }
}
