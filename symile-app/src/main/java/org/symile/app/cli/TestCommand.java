package org.symile.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.config.BooleanFlag;
import org.symile.app.io.RunDirectory;
import org.symile.app.m3.M3Test;
import org.symile.app.mimic.MimicTest;
import org.symile.app.runtime.Backend;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.RngStream;
import org.symile.app.train.Seeds;
import org.symile.data.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile test}: upstream's test.py for symile_m3 and symile_mimic. */
@Command(name = "test", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a symile_m3 or symile_mimic checkpoint on the test split (upstream's test.py):"
                + " <save_dir>/<yyyyMMdd_HHmmss>_<rand4>/results.json {test_acc, description}, or with --bootstrap"
                + " bootstrap_metrics.csv (one test_acc per resample; M3 resamples bank and queries independently,"
                + " MIMIC the queries only)."})
public final class TestCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(TestCommand.class);

    @Spec
    private CommandSpec spec;

    @Option(names = "--experiment", required = true, description = "symile_m3 or symile_mimic (required).")
    private String experiment;

    @Option(names = "--batch_sz_test", required = true, paramLabel = "N", description = "Encoding batch size.")
    private int batchSzTest;

    @Option(names = "--bootstrap", converter = BooleanFlag.class, arity = "1", defaultValue = "False",
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

    @Option(names = "--use_seed", converter = BooleanFlag.class, arity = "1", defaultValue = "True",
            description = "Seed the resampling and tie-breaking from --seed (default: ${DEFAULT-VALUE}).")
    private boolean useSeed;

    @Option(names = "--num_langs", description = "symile_m3: accepted for compatibility (read from the checkpoint).")
    private Integer numLangs;

    @Override
    public Integer call() throws Exception {
        if (!experiment.equals("symile_m3") && !experiment.equals("symile_mimic")) {
            throw new IllegalArgumentException("--experiment: expected symile_m3 or symile_mimic (binary_xor tests"
                    + " inside train), got '" + experiment + "'");
        }
        if (batchSzTest < 1 || bootstrapN < 1) {
            throw new IllegalArgumentException("--batch_sz_test and --bootstrap_n must be positive");
        }
        Checkpoint ckpt = Checkpoint.read(ckptPath);
        String kind = ckpt.meta().path("experiment").asText();
        if (!kind.equals(experiment)) {
            throw new IllegalArgumentException("--ckpt_path " + ckptPath + ": a " + kind + " checkpoint, not "
                    + experiment);
        }
        Backend.logStartup();
        RngStream rng = RngStream.derive(Seeds.resolve(useSeed, seed), "test");
        Path out = RunDirectory.create(saveDir);
        int runs = bootstrap ? bootstrapN : 1;
        double[] acc = new double[runs];
        for (int i = 0; i < runs; i++) {
            acc[i] = experiment.equals("symile_m3")
                    ? M3Test.run(ckpt, dataDir, batchSzTest, bootstrap ? rng : null)
                    : MimicTest.run(ckpt, dataDir, batchSzTest, bootstrap, rng);
            LOG.info("test_acc {}{}", String.format(Locale.ROOT, "%.4f", acc[i]), bootstrap ? " (bootstrap "
                    + (i + 1) + " of " + runs + ")" : "");
        }
        if (bootstrap) {
            StringBuilder csv = new StringBuilder("test_acc\n");
            for (double a : acc) {
                csv.append(a).append('\n');
            }
            AtomicFiles.writeString(out.resolve("bootstrap_metrics.csv"), csv.toString());
        } else {
            ObjectNode r = new ObjectMapper().createObjectNode();
            r.put("test_acc", acc[0]);
            r.put("description", description);
            AtomicFiles.writeString(out.resolve("results.json"), new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r) + "\n");
        }
        spec.commandLine().getOut().println(out);
        return 0;
    }
}
