package org.symile.app.spark;

import java.io.Serializable;

/**
 * What a replica returns after its share of a round: its weights and AdamW state after its steps (to be averaged
 * with the other replicas'), and each step's loss and rows.
 *
 * @param worker    the replica's index
 * @param weights   {@code TrainableModel.state()} as an {@link ArrayBundle}
 * @param optimizer {@code TrainableModel.optimizerState()} as an {@link ArrayBundle}
 * @param steps     the optimizer's step count afterwards
 * @param losses    per batch trained, its loss; the last one is non-finite when the replica diverged (and stopped)
 * @param rows      per batch trained, its rows
 * @param host      the executor's host, for messages
 */
record RoundResult(int worker, byte[] weights, byte[] optimizer, long steps, double[] losses, int[] rows, String host)
        implements Serializable {

    /** Whether every step's loss was finite (otherwise the replica stopped at the first that was not). */
    boolean finite() {
        for (double l : losses) {
            if (!Double.isFinite(l)) {
                return false;
            }
        }
        return true;
    }
}
