package org.symile.app.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.symile.app.experiments.xor.XorInformationsCheck;
import org.symile.app.runtime.Backend;
import org.symile.app.selfcheck.ReferenceCase;
import org.symile.app.selfcheck.SelfCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile selfcheck}: recompute every reference case on the active backend and report the errors. */
@Command(name = "selfcheck", mixinStandardHelpOptions = true,
        description = {"Recompute the reference losses, gradients, zero-shot scores and information terms on the"
                + " active ND4J backend (DOUBLE and FLOAT) and compare them with the float64 reference values.",
                "Exit status 0 when every case agrees, 1 on any mismatch, 2 for unreadable or malformed cases."})
public final class SelfCheckCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--vectors", paramLabel = "DIR",
            description = "Directory of reference-case JSON files (format of shared/testvectors). Default: the copy"
                    + " bundled with symile-samediff.")
    private Path vectors;

    @Override
    public Integer call() {
        Backend.logStartup();
        List<ReferenceCase> cases = vectors == null ? SelfCheck.loadBundled() : SelfCheck.loadDirectory(vectors);
        List<SelfCheck.Row> rows = new SelfCheck().with(XorInformationsCheck::check).run(cases);
        var out = spec.commandLine().getOut();
        out.printf("selfcheck on %s%n", Backend.describe());
        out.printf("%-28s %-24s %-7s %12s %12s %12s %9s  %s%n", "case", "check", "dtype", "loss/score", "gradients",
                "grad scale", "tolerance", "result");
        int failed = 0;
        for (SelfCheck.Row r : rows) {
            out.printf("%-28s %-24s %-7s %12.3e %12.3e %12.3e %9.0e  %s%n", shortName(r.caseName()), r.variant(),
                    r.dtype(), r.lossError(), r.gradError(), r.scaleGradError(), r.tolerance(),
                    r.passed() ? "ok" : "MISMATCH");
            failed += r.passed() ? 0 : 1;
        }
        out.printf("%d checks, %d mismatches (DOUBLE: absolute error; FLOAT: relative error)%n", rows.size(), failed);
        out.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private static String shortName(String name) {
        return Path.of(name).getFileName().toString();
    }
}
