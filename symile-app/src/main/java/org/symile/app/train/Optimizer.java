package org.symile.app.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.spec.OptimizerSpec;

/**
 * What a checkpoint and a data-parallel worker need of a model's optimizer, whichever engine steps it
 * ({@code train.samediff.AdamW} per tensor, {@code train.dl4j.FlatAdamW} over a flattened parameter vector): its
 * settings, its step count and its state as named arrays. Both AdamW implementations name their state
 * {@code m/<param>} and {@code v/<param>}, so a checkpoint does not depend on which one wrote it.
 */
public interface Optimizer {

    /** The settings it was created with (learning rate, weight decay, betas, epsilon). */
    OptimizerSpec config();

    /** Steps taken so far (AdamW's bias correction depends on it). */
    long steps();

    /** The state by name ({@code m/<param>}, {@code v/<param>}); empty before the first step. */
    Map<String, INDArray> state();

    /**
     * Restores what {@link #state()} wrote and the step count; parameters absent from {@code state} start at zero.
     */
    void restore(Map<String, INDArray> state, long steps);
}
