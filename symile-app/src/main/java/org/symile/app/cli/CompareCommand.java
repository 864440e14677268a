package org.symile.app.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.symile.app.experiments.xor.XorComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code symile compare}: finished binary_xor runs (e.g. one per --loss_fn) in one plot and one table. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Test accuracy against p_hat of finished binary_xor runs side by side (e.g. one per --loss_fn),"
                + " with the Bayes-optimal line: <out>/binary_xor_comparison.png and .csv (p_hat, bayes_optimal, one"
                + " column per run, named by its loss_fn)."})
public final class CompareCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "binary_xor run directories"
            + " (ckpts/<yyyyMMdd_HHmmss>_<rand4>).")
    private List<Path> runs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (required).")
    private Path out;

    @Override
    public Integer call() {
        Path table = XorComparison.write(runs, out);
        spec.commandLine().getOut().println(table);
        return 0;
    }
}
