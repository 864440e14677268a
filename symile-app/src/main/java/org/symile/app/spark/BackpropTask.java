package org.symile.app.spark;

import java.io.Serializable;

/**
 * Phase 3 of a step with global negatives, as a worker receives it: its batch (the same as in phase 1) and the
 * gradient of the driver's loss with respect to that batch's representations.
 *
 * @param task         the worker's batch
 * @param gradients    ∂L/∂r for the batch's rows ({@code r0}, {@code r1}, ... [rows, d]) as an {@link ArrayBundle}
 * @param gradLogScale the worker's share of ∂L/∂log(s): all of it for worker 0, 0 for the others
 */
record BackpropTask(RoundTask task, byte[] gradients, double gradLogScale) implements Serializable {
}
