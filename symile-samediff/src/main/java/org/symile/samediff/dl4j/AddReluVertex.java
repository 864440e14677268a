package org.symile.samediff.dl4j;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ResNet block's output: relu(a + b) of two activations of the same shape, as torchvision's
 * {@code out += identity; out = relu(out)}. One vertex instead of an {@code ElementWiseVertex(Add)} and a ReLU
 * layer: DL4J keeps every layer's input for backprop, so the separate form stores the sum once more per block;
 * here the backward pass recomputes the sign of a + b from the inputs DL4J keeps anyway.
 *
 * <p>With {@link #isOverwriteFirstInput()} the sum is written over input a during training, where DL4J keeps all
 * of a pass's activations in one workspace: a block's last batch-norm output, which nothing but this sum reads,
 * then costs no memory of its own (PyTorch does not keep it either; at Symile-MIMIC's size that is ~40 MB per
 * example). Only for an input that feeds this vertex alone; backprop then reads the ReLU's sign from it.
 *
 * <p>Two more edges a ResNet declares ({@link #residualEdges}), both as PyTorch's autograd does for
 * {@code out += identity}: with {@code soleConsumerOfSecondInput} an input b that its producer allocated outside
 * the workspaces ({@link SoleConsumer}, a downsample's batch-norm output) is freed as soon as the sum has been
 * written over a, since backprop reads neither input then; with {@code sharedGradient} both inputs receive the same
 * gradient array instead of two copies.
 */
public class AddReluVertex extends GraphVertex {
    private boolean overwriteFirstInput;
    /** Input b feeds only this vertex and is freed once the sum overwrote a. */
    private boolean soleConsumerOfSecondInput;
    /** Both inputs get one gradient array. */
    private boolean sharedGradient;

    /** relu(a + b) into a new array. */
    public AddReluVertex() {
        this(false);
    }

    /** @param overwriteFirstInput write the result over input a when training (a must feed nothing else) */
    public AddReluVertex(boolean overwriteFirstInput) {
        this.overwriteFirstInput = overwriteFirstInput;
    }

    /**
     * Declares the edges that let a residual block hold less memory. {@code soleConsumerOfSecondInput}: no other
     * vertex reads input b (a downsample's output, which its producer then emits detached); it is freed after a
     * training pass wrote the sum over a. {@code sharedGradient}: neither input's producer writes into the gradient
     * it receives, and any other gradient DL4J sums into b's producer (in place, into the first array it received)
     * arrives only after a's producer has run its backprop: true of a block whose b is the block input that a's
     * branch also reads, or a downsample. Both default to false.
     *
     * @return this vertex
     */
    public AddReluVertex residualEdges(boolean soleConsumerOfSecondInput, boolean sharedGradient) {
        this.soleConsumerOfSecondInput = soleConsumerOfSecondInput;
        this.sharedGradient = sharedGradient;
        return this;
    }

    /** Whether input b feeds only this vertex and is freed once the sum overwrote a. */
    public boolean isSoleConsumerOfSecondInput() {
        return soleConsumerOfSecondInput;
    }

    /** For JSON deserialisation. */
    public void setSoleConsumerOfSecondInput(boolean soleConsumerOfSecondInput) {
        this.soleConsumerOfSecondInput = soleConsumerOfSecondInput;
    }

    /** Whether both inputs receive the same gradient array. */
    public boolean isSharedGradient() {
        return sharedGradient;
    }

    /** For JSON deserialisation. */
    public void setSharedGradient(boolean sharedGradient) {
        this.sharedGradient = sharedGradient;
    }

    /** Whether training passes write the result over the first input. */
    public boolean isOverwriteFirstInput() {
        return overwriteFirstInput;
    }

    /** For JSON deserialisation. */
    public void setOverwriteFirstInput(boolean overwriteFirstInput) {
        this.overwriteFirstInput = overwriteFirstInput;
    }

    @Override
    public AddReluVertex clone() {
        return new AddReluVertex(overwriteFirstInput).residualEdges(soleConsumerOfSecondInput, sharedGradient);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddReluVertex v && v.overwriteFirstInput == overwriteFirstInput
                && v.soleConsumerOfSecondInput == soleConsumerOfSecondInput && v.sharedGradient == sharedGradient;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(AddReluVertex.class, overwriteFirstInput, soleConsumerOfSecondInput,
                sharedGradient);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new AddReluVertexImpl(graph, name, idx, networkDatatype, this);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2 || !vertexInputs[0].equals(vertexInputs[1])) {
            throw new InvalidInputTypeException("AddReluVertex: expected two inputs of the same type, got "
                    + java.util.Arrays.toString(vertexInputs));
        }
        return vertexInputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return new LayerMemoryReport.Builder(null, AddReluVertex.class, inputTypes[0], out).standardMemory(0, 0)
                .workingMemory(0, 0, 0, out.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }
}
