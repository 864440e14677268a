package org.symile.samediff.dl4j;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * PyTorch's {@code nn.GELU()} as a DL4J activation: gelu(x) = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), with
 * gelu'(x) = Φ(x) + x·φ(x). ND4J's own {@code ActivationGELU} is an approximation (sigmoid or tanh), which
 * would not match upstream's MLPs.
 */
public class ExactGelu extends BaseActivationFunction {
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    /** Φ(x) = 0.5·(1 + erf(x/√2)), a new array. */
    private static INDArray cdf(INDArray x) {
        INDArray t = x.mul(INV_SQRT2);
        Nd4j.getExecutioner().exec(new Erf(t, t));
        return t.addi(1.0).muli(0.5);
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in.muli(cdf(in));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray pdf = Transforms.exp(in.mul(in).muli(-0.5), false).muli(INV_SQRT_2PI);
        INDArray grad = cdf(in).addi(pdf.muli(in));
        return new Pair<>(grad.muli(epsilon), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactGelu;
    }

    @Override
    public int hashCode() {
        return ExactGelu.class.hashCode();
    }

    @Override
    public String toString() {
        return "gelu(exact)";
    }
}
