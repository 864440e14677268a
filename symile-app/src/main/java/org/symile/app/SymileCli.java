package org.symile.app;

import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.cli.BenchCommand;
import org.symile.app.cli.CompareCommand;
import org.symile.app.cli.EmbedCommand;
import org.symile.app.cli.ExampleCommand;
import org.symile.app.cli.ExitCodes;
import org.symile.app.cli.GenerateCommand;
import org.symile.app.cli.InformationsCommand;
import org.symile.app.cli.InspectCommand;
import org.symile.app.cli.SelfCheckCommand;
import org.symile.app.cli.SweepCommand;
import org.symile.app.cli.TestCommand;
import org.symile.app.cli.TrainCommand;
import org.symile.app.cli.UiCommand;
import org.symile.app.memory.NativeAllocator;
import org.symile.app.runtime.NativeBuild;
import org.symile.data.DataProblems;
import org.symile.samediff.SameDiffConsole;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code symile} command line. Subcommands map their options to a config record and call a
 * plain Java API; this class only dispatches and turns exceptions into one-line messages and the exit statuses of
 * {@link ExitCodes}: 0 success, 1 failure while running (or a check that did not pass), 2 bad input (flags, files,
 * shapes).
 */
@Command(name = "symile", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Symile contrastive learning (arXiv 2411.01053) on Deeplearning4j.",
        subcommands = {TrainCommand.class, InformationsCommand.class, GenerateCommand.class, InspectCommand.class,
                SweepCommand.class, SelfCheckCommand.class, BenchCommand.class, TestCommand.class, EmbedCommand.class, UiCommand.class,
                ExampleCommand.class, CompareCommand.class})
public final class SymileCli implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SymileCli.class);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        NativeBuild.select();
        java.io.PrintStream stdout = System.out;
        System.setOut(SameDiffConsole.withoutGradientChatter(stdout));
        NativeAllocator.configure();
        int code = execute(new PrintWriter(stdout, true), new PrintWriter(System.err, true), args);
        System.exit(code);
    }

    /** Runs the command line with the given streams and returns the exit status (used by tests). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new SymileCli());
        TrainCommand.addFlags(cl.getSubcommands().get("train").getCommandSpec());
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            String cmd = ex.getCommandLine().getCommandSpec().qualifiedName();
            String hint = ex instanceof CommandLine.UnmatchedArgumentException u
                    ? FlagSuggestion.hint(u.getUnmatched(), ex.getCommandLine().getCommandSpec().optionsMap().keySet())
                    : "";
            err.println(cmd + ": " + oneLine(ex.getMessage()) + hint + " (see '" + cmd + " --help')");
            err.flush();
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmdLine, parse) -> {
            String cmd = cmdLine.getCommandSpec().qualifiedName();
            if (ex instanceof DataProblems p) {
                // several problems found together: one line each, so every one can be fixed in one go
                err.println(cmd + ": " + oneLine(p.subject()) + ":");
                p.problems().forEach(line -> err.println("  " + oneLine(line)));
                LOG.debug("bad data", ex);
                err.flush();
                return ExitCodes.USAGE;
            }
            if (ex instanceof IllegalArgumentException) {
                err.println(cmd + ": " + oneLine(ex.getMessage()));
                LOG.debug("bad input", ex);
                err.flush();
                return ExitCodes.USAGE;
            }
            err.println(cmd + ": error: " + oneLine(String.valueOf(ex.getMessage())));
            LOG.debug("failure", ex);
            err.flush();
            return ExitCodes.FAILURE;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
