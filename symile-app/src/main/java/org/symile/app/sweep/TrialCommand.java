package org.symile.app.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.TrainFlags;

/**
 * The {@code train} flags of one trial: the experiment, the fixed flags, the candidate's values, the sweep's extra
 * flags and the trial's run directory, turned into a {@link RunSpec} exactly as {@code symile train} with those
 * arguments would, and into the command line that replays it.
 */
final class TrialCommand {
    private TrialCommand() {
    }

    /** Flag name -> value text, in the order they are written on the replay command line. */
    static Map<String, String> flags(SweepSpec spec, Map<String, Object> candidate, Path runRoot,
                                     Map<String, String> extra) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("experiment", spec.experiment());
        f.putAll(spec.fixed());
        candidate.forEach((k, v) -> f.put(k, SweepSpec.flagValue(v)));
        f.put("ckpt_save_dir", runRoot.toString());
        f.putAll(extra);
        return f;
    }

    /** {@code --flag value} pairs. */
    static List<String> argv(Map<String, String> flags) {
        List<String> a = new ArrayList<>();
        flags.forEach((k, v) -> {
            a.add("--" + k);
            a.add(v);
        });
        return a;
    }

    /** The trial's directory: {@code trials/trial_007} for trial 7 (numbered from 1, as in the CSV). */
    static Path dir(Path sweepDir, int trial) {
        return sweepDir.resolve("trials").resolve(String.format(java.util.Locale.ROOT, "trial_%03d", trial));
    }

    /** Every fixed and swept key must be a {@code train} flag, and the values must form valid runs. */
    static void validate(String file, SweepSpec spec) {
        for (String k : spec.fixed().keySet()) {
            if (TrainFlags.get(k) == null) {
                throw new IllegalArgumentException(file + ": key 'fixed." + k + "': not a flag of train");
            }
        }
        for (String k : spec.parameters().keySet()) {
            if (TrainFlags.get(k) == null) {
                throw new IllegalArgumentException(file + ": key 'parameters." + k + "': not a flag of train");
            }
        }
        // the fixed flags alone, then each swept value on its own; combinations that cannot train together are
        // trial failures, recorded by the sweep
        check(file, spec, Map.of());
        for (Map<String, Object> corner : SweepSpace.of(spec).corners()) {
            for (Map.Entry<String, Object> e : corner.entrySet()) {
                check(file, spec, Map.of(e.getKey(), e.getValue()));
            }
        }
        spec.parameters().forEach((k, p) -> {
            if (p.values() != null) {
                for (Object v : p.values()) {
                    check(file, spec, Map.of(k, v));
                }
            }
        });
    }

    private static void check(String file, SweepSpec spec, Map<String, Object> values) {
        Map<String, String> extra = new LinkedHashMap<>();
        if (!spec.experiment().equals("binary_xor") && !spec.fixed().containsKey("data_dir")) {
            // M3/MIMIC sweeps get --data_dir on the command line; any path checks the other values
            extra.put("data_dir", "probe");
        }
        try {
            RunSpec.fromFlags(flags(spec, values, Path.of("probe"), extra));
        } catch (IllegalArgumentException e) {
            // a swept value that only conflicts with another flag is a failed trial, not a broken file; a value
            // the flag itself refuses is reported
            String msg = Objects.toString(e.getMessage(), "");
            if (!values.isEmpty() && !msg.startsWith("--" + values.keySet().iterator().next() + ":")) {
                return;
            }
            String key = values.isEmpty() ? "fixed" : "parameters." + values.keySet().iterator().next();
            throw new IllegalArgumentException(file + ": key '" + key + "': " + msg.replaceAll("\\s+", " "));
        }
    }
}
