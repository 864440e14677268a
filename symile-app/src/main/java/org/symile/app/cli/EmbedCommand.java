package org.symile.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.symile.app.inference.SplitEmbeddings;
import org.symile.app.inference.TrainedModel;
import org.symile.app.runtime.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile embed}: a split's representations as .npy files. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Encode every row of a split with a trained symile_m3, symile_mimic or custom model (a"
                + " symile checkpoint or upstream's Lightning .ckpt) and write <out>/<modality>_<split>.npy (float32"
                + " [rows, d], numpy-readable) per modality plus <out>/embeddings_<split>.json (model, data, sizes)."
                + " Streams the split a batch at a time; files appear only when complete."})
public final class EmbedCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--ckpt_path", required = true, paramLabel = "FILE", description = "Trained model.")
    private Path ckptPath;

    @Option(names = "--data_dir", required = true, paramLabel = "DIR", description = "Split-tensor root.")
    private Path dataDir;

    @Option(names = "--split", defaultValue = "test", paramLabel = "NAME",
            description = "Split directory under --data_dir: train, val, test, ... (default: ${DEFAULT-VALUE}).")
    private String split;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created).")
    private Path out;

    @Option(names = "--batch_sz", defaultValue = "256", paramLabel = "N",
            description = "Rows encoded at a time (default: ${DEFAULT-VALUE}).")
    private int batchSz;

    @Option(names = "--modalities", split = ",", paramLabel = "M[,M...]",
            description = "Modalities to write (default: all of the model's).")
    private List<String> modalities = new ArrayList<>();

    @Override
    public Integer call() {
        if (batchSz < 1) {
            throw new IllegalArgumentException("--batch_sz: expected a positive batch size, got " + batchSz);
        }
        Backend.logStartup();
        try (TrainedModel model = TrainedModel.load(ckptPath)) {
            SplitEmbeddings.Result r = SplitEmbeddings.write(model, dataDir, split, out, batchSz, modalities);
            r.files().values().forEach(f -> spec.commandLine().getOut().println(f));
            spec.commandLine().getOut().println(r.meta());
        }
        return 0;
    }
}
