package org.symile.app.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.deeplearning4j.ui.api.UIServer;
import org.symile.app.ui.TrainingDashboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code symile ui}: DL4J's training UI over saved runs. */
@Command(name = "ui", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve DL4J's training UI (http://localhost:PORT/train/overview) over the statistics that"
                + " train --ui True saved in each run directory (ui_stats.dl4j; binary_xor: one per p_hat), until"
                + " interrupted (Ctrl-C)."})
public final class UiCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run directories (searched 3 levels deep).")
    private List<Path> dirs;

    @Option(names = "--ui_port", defaultValue = "9000", paramLabel = "PORT",
            description = "Port (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int port;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--ui_port: expected a TCP port 0..65535, got " + port);
        }
        UIServer server = TrainingDashboard.serve(dirs, port);
        spec.commandLine().getOut().println("http://localhost:" + server.getPort() + "/train/overview");
        spec.commandLine().getOut().flush();
        new CountDownLatch(1).await(); // serves until the process is interrupted
        return 0;
    }
}
