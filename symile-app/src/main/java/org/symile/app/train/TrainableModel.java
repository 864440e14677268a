package org.symile.app.train;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.memory.StepMemory;
import org.symile.app.spec.OptimizerSpec;
import org.symile.samediff.Permutations;

/**
 * What the {@link Trainer} and the experiment runner need from a model, whatever executes it: a SameDiff graph
 * ({@code train.samediff.SameDiffModel}) or a DL4J network ({@code train.dl4j.GraphModel}), each stepped by the
 * project's AdamW ({@link Optimizer}). Everything a
 * checkpoint must hold to continue a run exactly is reachable here as named arrays.
 */
public interface TrainableModel {

    /** Creates the optimizer the training steps use (AdamW with these settings); before the first step. */
    void useOptimizer(OptimizerSpec optimizer);

    /**
     * One training step on a batch: forward in training mode, loss, backward, and, when the loss is finite, one
     * optimizer update (and any running-statistics update).
     *
     * @param negatives the row permutations of Symile's O(N) negatives (ignored by other losses)
     * @return the batch's loss; a non-finite value means nothing was updated
     */
    double trainStep(Batch batch, Permutations negatives);

    /**
     * A batch's loss and what one optimizer step would apply: by name, the gradient of the batch-mean loss of every
     * trained parameter, and any running-statistics updates, named with {@link #RUNNING_UPDATE} (empty arrays when
     * the loss is not finite).
     */
    record Gradients(double loss, Map<String, INDArray> arrays) {
    }

    /**
     * Prefix of the running-statistics updates among {@link Gradients#arrays()} (subtracted from the statistics as
     * they are): combined over data-parallel workers by their mean, where gradients of a shared loss are summed.
     */
    String RUNNING_UPDATE = "running_update/";

    /**
     * {@link #trainStep}'s forward and backward pass without updating anything, for data-parallel training that
     * averages the gradients of several workers' batches (upstream's multi-GPU update): the mean of several
     * workers' {@link Gradients#arrays()}, name by name, is what {@link #applyGradients} takes.
     */
    Gradients gradients(Batch batch, Permutations negatives);

    /**
     * One optimizer update (and running-statistics update) from arrays as {@link #gradients} returns them, or their
     * mean over workers. {@code gradients(b)} then {@code applyGradients} is exactly {@code trainStep(b)}.
     *
     * @throws IllegalArgumentException naming the array when one is missing or of another shape
     */
    void applyGradients(Map<String, INDArray> gradients);

    /**
     * The phases of this model's gradient-cached steps, when it was built for them ({@code --micro_batch_sz}, or
     * Spark's global negatives): encode without activations, the loss over a batch, back-propagate a share.
     */
    default Optional<GradientCache> gradientCache() {
        return Optional.empty();
    }

    /**
     * A batch's share of the gradients of a loss computed elsewhere over more rows (Spark's global negatives): the
     * arrays {@link #gradients} would give for gradient G_m of the batch's representations and g of log(s),
     * running-statistics updates included; nothing is changed.
     *
     * @throws IllegalStateException for a model without {@link #gradientCache()}
     */
    default Map<String, INDArray> gradientsOf(Batch batch, List<INDArray> repGradients, double gradLogScale) {
        throw new IllegalStateException("a model built without micro-batches has no cached step");
    }

    /** The loss of a batch in evaluation mode (batch norm on running statistics); nothing is updated. */
    double evalLoss(Batch batch, Permutations negatives);

    /** The current logit scale s = exp(log s). */
    double logitScale();

    /**
     * Every array that defines the model (weights, logit scale, batch-norm running statistics), by name: the
     * model's own arrays, so that writing into them changes the model.
     */
    Map<String, INDArray> state();

    /**
     * Copies arrays written by {@link #state()} into the model (cast to the model's data type): every array of the
     * model must be there, with its shape, and nothing else.
     *
     * @param source what the arrays come from, for the message ({@code --ckpt_path F}, "the driver's weights")
     * @throws IllegalArgumentException naming the array when one is missing, unknown or of another shape
     */
    default void loadState(Map<String, INDArray> arrays, String source) {
        Map<String, INDArray> own = state();
        for (String name : own.keySet()) {
            if (!arrays.containsKey(name)) {
                throw new IllegalArgumentException(source + ": no array '" + name + "', which this model has"
                        + " (different model settings?)");
            }
        }
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray target = own.get(e.getKey());
            if (target == null) {
                throw new IllegalArgumentException(source + ": array '" + e.getKey() + "' is not part of this model"
                        + " (different model settings?)");
            }
            if (!Arrays.equals(target.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException(source + ": array '" + e.getKey() + "' has shape "
                        + Arrays.toString(e.getValue().shape()) + ", this model's is "
                        + Arrays.toString(target.shape()) + " (different --d or model sizes?)");
            }
        }
        arrays.forEach((k, v) -> own.get(k).assign(v.castTo(own.get(k).dataType())));
    }

    /** The optimizer {@link #useOptimizer} created; empty before. */
    Optional<Optimizer> optimizer();

    /** The optimizer's state (e.g. AdamW's moments) by name; empty before the first step. */
    default Map<String, INDArray> optimizerState() {
        return optimizer().map(Optimizer::state).orElse(Map.of());
    }

    /** Optimizer steps taken (AdamW's bias correction depends on it). */
    default long optimizerSteps() {
        return optimizer().map(Optimizer::steps).orElse(0L);
    }

    /** Restores {@link #optimizerState()} and the step count; {@link #useOptimizer} first. */
    default void restoreOptimizer(Map<String, INDArray> state, long steps) {
        optimizer().orElseThrow(() -> new IllegalStateException("useOptimizer was not called"))
                .restore(state, steps);
    }

    /**
     * An estimate of the memory a training step adds to the process as it is now, so that a batch that cannot fit
     * is refused before training rather than killed by the kernel; empty where the model has none.
     */
    default Optional<StepMemory> stepMemory() {
        return Optional.empty();
    }

    /** Frees what the model holds outside the Java heap where it can (native buffers, workspaces). */
    default void release() {
    }
}
