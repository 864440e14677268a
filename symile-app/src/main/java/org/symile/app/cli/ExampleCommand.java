package org.symile.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.symile.app.examples.BinaryXor8Example;
import org.symile.app.run.Json;
import org.symile.app.run.RunDirectory;
import org.symile.app.spec.LossFn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code symile example NAME}: the pip package's examples as DL4J pipelines. */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = {"The symile package's examples, built as DL4J pipelines (a ComputationGraph with the"
                + " SymileOutputLayer, trained by DL4J's fit)."},
        subcommands = {ExampleCommand.BinaryXor8.class, MissingModalitiesCommand.class})
public final class ExampleCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "expected an example: binary_xor_8 or missing_modalities");
    }

    /** Writes {@code results.json} into a new run directory under {@code saveDir} (when given) and prints it. */
    static void report(CommandSpec spec, Path saveDir, ObjectNode results) throws java.io.IOException {
        spec.commandLine().getOut().println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        if (saveDir != null) {
            Path dir = RunDirectory.create(saveDir);
            Json.write(dir.resolve("results.json"), results);
            spec.commandLine().getOut().println(dir.resolve("results.json"));
        }
    }

    /** {@code symile example binary_xor_8}. */
    @Command(name = "binary_xor_8", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Eight one-bit modalities, the eighth the XOR of the other seven; eight Linear(1 -> d)"
                    + " encoders, L2 normalisation, MergeVertex, SymileOutputLayer (M = 8, O(N) negatives);"
                    + " Adam with decoupled weight decay (AdamW); the state with the lowest validation loss is"
                    + " kept; zero-shot test accuracy of predicting the first bit from the other seven (chance"
                    + " 0.5)."})
    static final class BinaryXor8 implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ExampleFlags f;
        @Option(names = "--modalities", defaultValue = "8", description = "M (default: 8).")
        private int modalities;
        @Option(names = "--epochs", defaultValue = "50", description = "Default: 50.")
        private int epochs;
        @Option(names = "--test_n", defaultValue = "5000", description = "Default: 5000.")
        private int testN;

        @Override
        public Integer call() throws java.io.IOException {
            BinaryXor8Example.Config c = new BinaryXor8Example.Config(modalities, f.d, LossFn.fromFlag(f.lossFn),
                    epochs, f.lr, f.weightDecay, f.batchSz, f.trainN, f.valN, testN, f.logitScaleInit, f.seed);
            BinaryXor8Example.Result r = BinaryXor8Example.run(c);
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("example", "binary_xor_" + modalities);
            out.put("loss_fn", c.lossFn().flag());
            out.put("test_acc", r.testAcc());
            out.put("best_epoch", r.bestEpoch());
            out.put("best_val_loss", r.valLosses().get(r.bestEpoch() - 1));
            out.put("logit_scale", r.logitScale());
            out.put("seed", f.seed);
            report(spec, f.saveDir, out);
            return 0;
        }
    }
}
