package org.symile.app.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.TrainState;

/**
 * The metadata of a checkpoint ({@code meta.json} inside the file): what run it belongs to and everything besides
 * the arrays that a resumed run needs to continue exactly.
 *
 * @param format            {@link Checkpoint#FORMAT}
 * @param experiment        the {@code --experiment} value
 * @param args              the run's {@link RunSpec} in its JSON form (flag names)
 * @param seed              the run seed every random stream derives from
 * @param saveDir           the run directory ({@code <ckpt_save_dir>/<yyyyMMdd_HHmmss>_<rand4>})
 * @param part              for binary_xor the p̂ directory ({@code p_hat_0.3}), else null
 * @param streamIds         the part's ids in the random streams (binary_xor: the p̂ index)
 * @param architecture      the experiment's {@link Experiment#architecture()}
 * @param trainer           the trainer's counters, streams and per-epoch history
 * @param optimizerSteps    optimizer steps taken (the arrays are stored beside the weights)
 * @param rngEval           state of the stream that breaks retrieval ties during validation
 * @param validationMetrics one entry per validation so far
 * @param best              the kept checkpoint under {@link CheckpointPolicy#KEEP_BEST}, or null
 * @param testAcc           binary_xor: the test accuracies once the part is tested, else null
 */
public record CheckpointMeta(String format, String experiment, JsonNode args, long seed, String saveDir, String part,
                             long[] streamIds, JsonNode architecture, TrainState.Snapshot trainer,
                             long optimizerSteps, long rngEval, List<Validation> validationMetrics, Best best,
                             List<Double> testAcc) {

    /** One validation: {@code epoch} is 0-based, as upstream's file names and run_info.json. */
    public record Validation(int epoch, double valLoss, double valAcc) {
    }

    /** The checkpoint kept for the lowest validation loss. */
    public record Best(double valLoss, int epoch, String file) {
    }

    /** The experiment this checkpoint belongs to. */
    public ExperimentKind kind() {
        return ExperimentKind.fromFlag(experiment);
    }

    /** Whether the part was trained for all {@code epochs} and tested (binary_xor). */
    public boolean finished(int epochs) {
        return testAcc != null && trainer.epoch() >= epochs;
    }
}
