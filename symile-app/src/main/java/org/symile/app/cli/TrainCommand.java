package org.symile.app.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.symile.app.experiments.Experiments;
import org.symile.app.run.RunOutcome;
import org.symile.app.spark.SparkTraining;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.TrainFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/**
 * {@code symile train}: upstream's {@code main.py}. Its options are {@link TrainFlags}' table, added when the CLI
 * is assembled; the flags given are handed to {@link RunSpec#fromFlags} unchanged, which applies the experiment's
 * defaults and validates, so the command line, a sweep trial and a recorded checkpoint all mean the same.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a Symile (or CLIP) model: binary_xor (paper 5.1, sweeps p_hat and tests each model),"
                + " symile_m3 (5.2) or symile_mimic (5.3). Flags are upstream's; defaults in brackets are per"
                + " experiment: binary_xor / symile_m3 / symile_mimic."})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    /** Adds one option per {@link TrainFlags} entry to the {@code train} command. */
    public static void addFlags(CommandSpec train) {
        for (TrainFlags.Flag f : TrainFlags.all()) {
            train.addOption(OptionSpec.builder("--" + f.name()).paramLabel(f.label()).description(f.description())
                    .arity("1").type(String.class).required(f.name().equals("experiment")).build());
        }
    }

    @Override
    public Integer call() throws IOException {
        RunOutcome outcome = Experiments.train(RunSpec.fromFlags(givenFlags(spec)), SparkTraining::start);
        spec.commandLine().getOut().println(WroteLine.of(outcome.runDir()));
        return 0;
    }

    /** The train flags on the command line (name without dashes -> its last value). */
    static Map<String, String> givenFlags(CommandSpec spec) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName().replaceFirst("^--", "");
            if (TrainFlags.get(name) != null) {
                flags.put(name, o.getValue());
            }
        }
        return flags;
    }
}
