package org.symile.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.symile.app.run.RunDirectory;
import org.symile.app.runtime.Backend;
import org.symile.app.sweep.Sweep;
import org.symile.app.sweep.SweepSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile sweep}: a grid or random hyperparameter search described by a space file. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a grid or random search (arbiter-core generators) over train flags described by a space"
                + " file (hyperparams/*.yaml). Each trial is a full train run with its own directory and replayable"
                + " command line; results go to sweep_results.csv, best.json and sweep_<flag>.png."})
public final class SweepCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--experiment", paramLabel = "NAME",
            description = "binary_xor, symile_m3, symile_mimic or custom (must match the space file's experiment).")
    private String experiment;

    @Option(names = "--space", paramLabel = "FILE",
            description = "Search-space file (default: hyperparams/<experiment>.yaml).")
    private Path space;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Sweep directory (default: sweeps/<yyyyMMdd_HHmmss>_<rand4>).")
    private Path out;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "K",
            description = "Trials run at once (default: ${DEFAULT-VALUE}).")
    private int parallel;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue a killed sweep in DIR; finished trials are not redone.")
    private Path resume;

    @Option(names = "--data_dir", paramLabel = "DIR",
            description = "Passed to every trial (symile_m3, symile_mimic, custom).")
    private Path dataDir;

    @Override
    public Integer call() {
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel: expected >= 1, got " + parallel);
        }
        Sweep sweep;
        if (resume != null) {
            sweep = Sweep.resume(resume);
        } else {
            if (experiment == null) {
                throw new IllegalArgumentException("--experiment: required (or --resume DIR)");
            }
            Path file = space != null ? space : Path.of("hyperparams", experiment + ".yaml");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--space: no such file " + file);
            }
            SweepSpec s = SweepSpec.read(file);
            if (!s.experiment().equals(experiment)) {
                throw new IllegalArgumentException("--space " + file + ": describes " + s.experiment() + ", not "
                        + experiment);
            }
            List<String> extra = new ArrayList<>();
            if (dataDir != null) {
                extra.add("--data_dir");
                extra.add(dataDir.toString());
            }
            Path dir = out != null ? out : RunDirectory.create(Path.of("sweeps"));
            try {
                sweep = new Sweep(s, Files.readString(file), dir, extra);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--space: cannot read " + file);
            }
        }
        Backend.logStartup();
        List<Sweep.Trial> trials = sweep.run(parallel);
        Sweep.Trial best = sweep.best();
        var o = spec.commandLine().getOut();
        o.printf("%d trials, %d ok; results in %s%n", trials.size(),
                trials.stream().filter(t -> t.status().equals("ok")).count(), sweep.dir());
        if (best != null) {
            o.printf("best: trial %d, score %.6f, %s%n", best.index() + 1, best.score(), best.params());
        }
        return best == null ? ExitCodes.FAILURE : ExitCodes.OK;
    }
}
