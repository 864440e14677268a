package org.symile.app.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.symile.app.cli.TrainCommand;
import org.symile.app.config.TrainArgs;
import picocli.CommandLine;

/**
 * The {@code train} command line of one trial: the experiment, the fixed flags, the candidate's values and the
 * trial's run directory, parsed by the same {@link TrainCommand} the CLI uses, so a trial is exactly what
 * {@code symile train} with those arguments does.
 */
final class TrialCommand {
    private TrialCommand() {
    }

    static List<String> argv(SweepSpec spec, Map<String, Object> candidate, Path runRoot) {
        List<String> a = new ArrayList<>(List.of("--experiment", spec.experiment()));
        spec.fixed().forEach((k, v) -> {
            a.add("--" + k);
            a.add(v);
        });
        candidate.forEach((k, v) -> {
            a.add("--" + k);
            a.add(SweepSpec.flagValue(v));
        });
        a.add("--ckpt_save_dir");
        a.add(runRoot.toString());
        return a;
    }

    static TrainArgs parse(List<String> argv) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).setOverwrittenOptionsAllowed(true).parseArgs(argv.toArray(new String[0]));
        return cmd.toArgs();
    }

    /** Every fixed and swept key must be a {@code train} flag, and the fixed values must parse. */
    static void validate(String file, SweepSpec spec) {
        Set<String> known = new TreeSet<>();
        for (CommandLine.Model.OptionSpec o : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
            known.add(o.longestName().replaceFirst("^--", ""));
        }
        for (String k : spec.fixed().keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(file + ": key 'fixed." + k + "': not a flag of train");
            }
        }
        for (String k : spec.parameters().keySet()) {
            if (!known.contains(k)) {
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
        List<String> argv = argv(spec, values, Path.of("probe"));
        if (!spec.experiment().equals("binary_xor") && !spec.fixed().containsKey("data_dir")) {
            // M3/MIMIC sweeps get --data_dir on the command line; any path checks the other values
            argv.addAll(List.of("--data_dir", "probe"));
        }
        try {
            parse(argv);
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            // a swept value that only conflicts with another flag is a failed trial, not a broken file
            if (!values.isEmpty() && e instanceof IllegalArgumentException) {
                return;
            }
            String key = values.isEmpty() ? "fixed" : "parameters." + values.keySet().iterator().next();
            throw new IllegalArgumentException(file + ": key '" + key + "': " + e.getMessage().replaceAll("\\s+",
                    " "));
        }
    }
}
