package org.symile.app.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.symile.app.inspect.Inspection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code symile inspect}: what a tensor file or a split directory holds ({@link Inspection}). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"A .npy file or a torch.save archive of tensors (any extension): format, dtype, shape, min,"
                + " max, mean and the first values (streamed, never loaded whole). A checkpoint (a PyTorch"
                + " Lightning one, or this project's): its fields, hyper-parameters and tensors' dtypes and shapes,"
                + " read without running pickle code. A data directory or split directory: every tensor with its"
                + " shape and dtype, and whether the row counts of each split agree."})
public final class InspectCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "A .npy file, a torch.save archive (.pt, .pth, .bin, .ckpt, ...),"
            + " a symile checkpoint, a split directory or a data directory.")
    private Path path;

    @Option(names = "--json", description = "Print JSON: for a file {format, dtype, shape, min, max, mean, head}.")
    private boolean json;

    @Override
    public Integer call() {
        Inspection inspection = Inspection.of(path);
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(inspection.json());
        } else {
            out.print(inspection.text());
        }
        out.flush();
        return inspection.consistent() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
