package org.symile.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.symile.app.experiments.Experiments;
import org.symile.app.run.ExperimentRunner;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.TestSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile test}: upstream's test.py for symile_m3 and symile_mimic. */
@Command(name = "test", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a symile_m3, symile_mimic or custom checkpoint on the test split (upstream's"
                + " test.py): <save_dir>/<yyyyMMdd_HHmmss>_<rand4>/results.json {test_acc, description; custom also"
                + " test_recall_at_1/5/10 and test_mean_rank}, or with --bootstrap bootstrap_metrics.csv (one test_acc"
                + " per resample; M3 resamples bank and queries independently, MIMIC and custom the queries only)."
                + " The test split is encoded once; resamples reuse the encodings."})
public final class TestCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--experiment", required = true, description = "symile_m3, symile_mimic or custom"
            + " (required).")
    private String experiment;

    @Option(names = "--batch_sz_test", required = true, paramLabel = "N", description = "Encoding batch size.")
    private int batchSzTest;

    @Option(names = "--bootstrap", converter = BooleanConverter.class, arity = "1", defaultValue = "False",
            description = "Bootstrap the test set (default: ${DEFAULT-VALUE}).")
    private boolean bootstrap;

    @Option(names = "--bootstrap_n", defaultValue = "10", description = "Resamples (default: ${DEFAULT-VALUE}).")
    private int bootstrapN;

    @Option(names = "--data_dir", required = true, paramLabel = "DIR", description = "Split-tensor root.")
    private Path dataDir;

    @Option(names = "--description", defaultValue = "", description = "Stored in results.json.")
    private String description;

    @Option(names = "--ckpt_path", required = true, paramLabel = "FILE", description = "Checkpoint to test.")
    private Path ckptPath;

    @Option(names = "--save_dir", required = true, paramLabel = "DIR", description = "Root of the output directory.")
    private Path saveDir;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--use_seed", converter = BooleanConverter.class, arity = "1", defaultValue = "True",
            description = "Seed the resampling and tie-breaking from --seed (default: ${DEFAULT-VALUE}).")
    private boolean useSeed;

    @Option(names = "--num_langs", paramLabel = "N", description = "symile_m3: 2, 5 or 10; when given, every test"
            + " row's language must be in upstream's list for that many languages.")
    private Integer numLangs;

    @Override
    public Integer call() throws IOException {
        TestSpec t = new TestSpec(ExperimentKind.fromFlag(experiment), batchSzTest, bootstrap, bootstrapN, dataDir,
                description, ckptPath, saveDir, seed, useSeed, numLangs);
        ExperimentRunner.TestOutcome outcome = Experiments.test(t);
        spec.commandLine().getOut().println(WroteLine.of(outcome.dir()));
        return 0;
    }
}
