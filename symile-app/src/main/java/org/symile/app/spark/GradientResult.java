package org.symile.app.spark;

import java.io.Serializable;

/**
 * What a worker returns for one shared-gradient step: the gradients of its batch's mean loss (and running-statistics
 * updates) as {@code TrainableModel.gradients} names them, as an {@link ArrayBundle}, with the batch's loss and rows.
 *
 * @param worker    the worker's index
 * @param gradients the arrays; empty when the loss is not finite
 * @param loss      the batch's loss
 * @param rows      the batch's rows
 */
record GradientResult(int worker, byte[] gradients, double loss, int rows) implements Serializable {
}
