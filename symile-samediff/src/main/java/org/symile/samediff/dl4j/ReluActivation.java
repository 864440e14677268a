package org.symile.samediff.dl4j;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * ReLU for DL4J layers with a faster backward than ND4J's {@code ActivationReLU} (whose {@code relu_bp} evaluates
 * a lambda per element): the gradient is a step function times the incoming gradient. relu'(0) = 0, as PyTorch.
 */
public class ReluActivation extends BaseActivationFunction {

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return Transforms.relu(in, false);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        NativeOps.reluBackward(in, epsilon, in);
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReluActivation;
    }

    @Override
    public int hashCode() {
        return ReluActivation.class.hashCode();
    }

    @Override
    public String toString() {
        return "relu";
    }
}
