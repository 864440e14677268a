package org.symile.app.train;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.samediff.LossGraph;

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
}
