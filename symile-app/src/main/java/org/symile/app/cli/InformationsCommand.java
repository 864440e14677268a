package org.symile.app.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.symile.app.experiments.xor.InformationsRun;
import org.symile.app.experiments.xor.XorInformations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile informations}: upstream's {@code informations.py} (exact XOR information terms). */
@Command(name = "informations", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exact I(a;c), I(b;c), I(a;b|c), I(c;b|a) and total correlation of the binary XOR data for"
                + " p_hat = 0.0 ... 1.0, in nats: <save_dir>/<yyyyMMdd_HHmmss>/mi.csv (p_hat, value, type) and mi.png."})
public final class InformationsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--d_v", defaultValue = "2", paramLabel = "N",
            description = "Bits per vector, 1.." + XorInformations.MAX_DV + " (default: ${DEFAULT-VALUE}).")
    private int dv;

    @Option(names = "--save_dir", required = true, paramLabel = "DIR", description = "Output root (required).")
    private Path saveDir;

    @Override
    public Integer call() {
        if (dv < 1 || dv > XorInformations.MAX_DV) {
            throw new IllegalArgumentException("--d_v: expected 1.." + XorInformations.MAX_DV + ", got " + dv);
        }
        Path dir = InformationsRun.run(dv, saveDir);
        spec.commandLine().getOut().println(dir.resolve("mi.csv"));
        return 0;
    }
}
