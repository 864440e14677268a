package org.symile.app.experiments;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.config.TrainArgs;
import org.symile.app.runtime.Backend;
import org.symile.app.xor.BinaryXorExperiment;

/** Runs the experiment a {@link TrainArgs} names. */
public final class Experiments {
    private static final Logger LOG = LoggerFactory.getLogger(Experiments.class);

    private Experiments() {
    }

    /** Where a run wrote its files and the metrics a sweep can optimise (val_loss, val_acc, test_acc). */
    public record Outcome(java.nio.file.Path runDir, java.util.Map<String, Double> metrics) {
    }

    public static Outcome train(TrainArgs args) {
        Backend.logStartup();
        if (args.wandb()) {
            LOG.warn("--wandb True: Weights & Biases logging is not available in this port; metrics are written to"
                    + " the run directory instead");
        }
        switch (args.experiment()) {
            case BINARY_XOR -> {
                BinaryXorExperiment.Result r = BinaryXorExperiment.run(args);
                return new Outcome(r.runDir(), java.util.Map.of("val_loss", r.meanBestValLoss(), "test_acc",
                        r.meanTestAcc()));
            }
            case SYMILE_M3 -> {
                var r = org.symile.app.m3.M3Experiment.train(args);
                return new Outcome(r.getKey(), r.getValue());
            }
            case SYMILE_MIMIC -> {
                var r = org.symile.app.mimic.MimicExperiment.train(args);
                return new Outcome(r.getKey(), r.getValue());
            }
            default -> throw new IllegalStateException(args.experiment().toString());
        }
    }
}
