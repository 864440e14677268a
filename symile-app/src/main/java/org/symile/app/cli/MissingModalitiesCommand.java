package org.symile.app.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.symile.app.examples.MissingModalitiesExample;
import org.symile.app.run.Json;
import org.symile.app.spec.LossFn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile example missing_modalities}. */
@Command(name = "missing_modalities", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Binary XOR (a, b uniform d_v-bit vectors, c = a XOR b) where each modality of each training"
                + " and validation row is missing with probability q; every encoder sees its bits zeroed when"
                + " missing plus a missing indicator, as the symile package README advises. One DL4J training per"
                + " q; test: zero-shot accuracy of predicting b from complete a and c (chance 2^-d_v)."})
final class MissingModalitiesCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;
    @Option(names = "--q", split = ",", defaultValue = "0,0.25,0.5,0.75", paramLabel = "Q[,Q...]",
            description = "Missing probabilities, each in [0, 1) (default: ${DEFAULT-VALUE}).")
    private List<Double> qs;
    @Mixin
    private ExampleFlags f;
    @Option(names = "--d_v", defaultValue = "3", description = "Bits per vector (default: 3).")
    private int dV;
    @Option(names = "--epochs", defaultValue = "30", description = "Default: 30.")
    private int epochs;
    @Option(names = "--test_n", defaultValue = "2000", description = "Default: 2000.")
    private int testN;

    @Override
    public Integer call() throws java.io.IOException {
        List<MissingModalitiesExample.Config> configs = new ArrayList<>();
        for (double q : qs) {
            configs.add(new MissingModalitiesExample.Config(dV, f.d, LossFn.fromFlag(f.lossFn), q, epochs, f.lr,
                    f.weightDecay, f.batchSz, f.trainN, f.valN, testN, f.logitScaleInit, f.seed));
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("example", "missing_modalities");
        out.put("loss_fn", f.lossFn);
        out.put("d_v", dV);
        out.put("chance", Math.pow(2, -dV));
        ArrayNode rows = out.putArray("results");
        for (MissingModalitiesExample.Config c : configs) {
            MissingModalitiesExample.Result r = MissingModalitiesExample.run(c);
            rows.addObject().put("q", r.q()).put("test_acc", r.testAcc()).put("best_epoch", r.bestEpoch());
        }
        ExampleCommand.report(spec, f.saveDir, out);
        return 0;
    }
}
