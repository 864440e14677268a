package org.symile.app.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.config.TrainArgs;
import org.symile.samediff.ClipLoss;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossGraph;
import org.symile.samediff.SymileLoss;

/** What the {@link Trainer} needs from an experiment's model: a graph, its loss, and how batches feed it. */
public interface TrainableModel {

    SameDiff graph();

    LossGraph loss();

    /** Variables the optimizer updates (frozen ones excluded). */
    List<String> trainable();

    /** Placeholder values for one batch in training ({@code training} true) or evaluation mode. */
    Map<String, INDArray> placeholders(Batch batch, boolean training);

    /** Graph outputs, besides the loss, to compute with every training step (e.g. batch statistics). */
    default List<String> trainingOutputs() {
        return List.of();
    }

    /** Called after each optimizer step with the values of {@link #trainingOutputs()}. */
    default void afterTrainingStep(Map<String, INDArray> outputs) {
    }

    /**
     * Whether a step's intermediate arrays live in one reusable workspace ({@link WorkspaceMemory}): fast for
     * small graphs whose steps are dominated by allocating [B, B] temporaries, but every intermediate then stays
     * allocated until the step ends. Deep convolutional encoders return false so that SameDiff frees each
     * intermediate as soon as nothing needs it any more, which bounds peak memory by what backprop keeps.
     */
    default boolean stepWorkspace() {
        return true;
    }

    /** Name of the log-scale variable, for progress lines. */
    String logScaleName();

    /**
     * The loss the flags select, built into {@code sd} as variable "loss" and set as its loss: pairwise CLIP
     * ({@code --loss_fn clip}) or Symile with {@code --negative_sampling} and {@code --memory_lean}.
     *
     * @param reps the representations [B, d], in the experiment's modality order
     */
    static LossGraph buildLoss(SameDiff sd, TrainArgs args, List<SDVariable> reps, LogitScale scale) {
        LossGraph loss = args.lossFn().equals("clip") ? new ClipLoss().build(sd, "loss", reps, scale)
                : new SymileLoss(new SymileLoss.Config(args.negativeSampling(), args.memoryLean(),
                SymileLoss.DEFAULT_LEAN_CHUNK_ELEMENTS)).build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        return loss;
    }

    /** Names of every trainable variable of {@code sd} (a frozen logit scale is a constant, so not among them). */
    static List<String> variablesToTrain(SameDiff sd) {
        List<String> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                out.add(v.name());
            }
        }
        return out;
    }
}
