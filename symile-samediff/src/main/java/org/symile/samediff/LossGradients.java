package org.symile.samediff;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss value with its exact gradients, from an eager (closed-form or chunked) loss computation.
 *
 * @param loss         the loss value
 * @param gradients    ∂loss/∂r_m for each representation, [B, d] each, in the order the representations were given
 * @param gradLogScale ∂loss/∂log(s)
 */
public record LossGradients(double loss, List<INDArray> gradients, double gradLogScale) {
    public LossGradients {
        gradients = List.copyOf(gradients);
    }
}
