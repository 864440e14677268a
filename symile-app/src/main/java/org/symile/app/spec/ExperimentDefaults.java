package org.symile.app.spec;

import java.util.Map;

/**
 * Working defaults per experiment, from upstream's development scripts (spec §13), so {@code train --experiment
 * binary_xor} runs alone. A flag given on the command line always wins. Keyed by flag name.
 */
final class ExperimentDefaults {
    private static final Map<String, Object> XOR = Map.ofEntries(
            Map.entry("batch_sz_train", 1000), Map.entry("batch_sz_val", 1000), Map.entry("batch_sz_test", 1000),
            Map.entry("check_val_every_n_epoch", 1), Map.entry("d", 16), Map.entry("negative_sampling", "n"),
            Map.entry("epochs", 100), Map.entry("logit_scale_init", -0.3), Map.entry("lr", 0.1),
            Map.entry("weight_decay", 0.01), Map.entry("train_n", 10_000), Map.entry("val_n", 1_000),
            Map.entry("test_n", 5_000), Map.entry("d_v", 5));
    private static final Map<String, Object> M3 = Map.ofEntries(
            Map.entry("batch_sz_train", 256), Map.entry("batch_sz_val", 256), Map.entry("batch_sz_test", 256),
            Map.entry("check_val_every_n_epoch", 2), Map.entry("d", 8192), Map.entry("negative_sampling", "n"),
            Map.entry("epochs", 24), Map.entry("logit_scale_init", -6.0), Map.entry("lr", 1e-4),
            Map.entry("weight_decay", 0.0));
    /** Symile-M3 with missing modalities: a lower rate and some decay. */
    private static final Map<String, Object> M3_MISSING = Map.of("lr", 1e-5, "weight_decay", 0.001);
    private static final Map<String, Object> MIMIC = Map.ofEntries(
            Map.entry("batch_sz_train", 280), Map.entry("batch_sz_val", 280), Map.entry("batch_sz_test", 256),
            Map.entry("check_val_every_n_epoch", 1), Map.entry("d", 8192), Map.entry("negative_sampling", "n_squared"),
            Map.entry("epochs", 80), Map.entry("logit_scale_init", -7.0), Map.entry("lr", 5e-4),
            Map.entry("weight_decay", 0.2));

    /** custom: L2-normalised representations (CLIP's temperature 0.07) and small MLP encoders. */
    private static final Map<String, Object> CUSTOM = Map.ofEntries(
            Map.entry("batch_sz_train", 256), Map.entry("batch_sz_val", 256), Map.entry("batch_sz_test", 100),
            Map.entry("check_val_every_n_epoch", 1), Map.entry("d", 128), Map.entry("negative_sampling", "n"),
            Map.entry("epochs", 30), Map.entry("logit_scale_init", 2.6593), Map.entry("lr", 1e-3),
            Map.entry("weight_decay", 0.01));

    private ExperimentDefaults() {
    }

    /** The default of {@code flag} for the experiment, or null when it has none that depends on the experiment. */
    static Object of(ExperimentKind kind, boolean missingness, String flag) {
        return switch (kind) {
            case BINARY_XOR -> XOR.get(flag);
            case SYMILE_M3 -> missingness && M3_MISSING.containsKey(flag) ? M3_MISSING.get(flag) : M3.get(flag);
            case SYMILE_MIMIC -> MIMIC.get(flag);
            case CUSTOM -> CUSTOM.get(flag);
        };
    }

    /** {@code [xor / m3 / mimic / custom]} for help texts, or "" when the flag has no per-experiment default. */
    static String helpSuffix(String flag) {
        Object x = XOR.get(flag);
        Object m = M3.get(flag);
        Object i = MIMIC.get(flag);
        Object c = CUSTOM.get(flag);
        if (x == null && m == null && i == null && c == null) {
            return "";
        }
        java.util.List<Object> present = java.util.stream.Stream.of(x, m, i, c).filter(java.util.Objects::nonNull)
                .toList();
        if (present.size() == 1) {
            return " [" + text(present.get(0)) + "]";
        }
        String m3 = M3_MISSING.containsKey(flag) ? m + " (" + M3_MISSING.get(flag) + " with missingness)" : text(m);
        return " [" + text(x) + " / " + m3 + " / " + text(i) + " / " + text(c) + "]";
    }

    private static String text(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof Double dv && dv == Math.rint(dv) && Math.abs(dv) < 1e6) {
            return String.valueOf(dv.longValue());
        }
        return String.valueOf(v);
    }
}
