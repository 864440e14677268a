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
 */
public class AddReluVertex extends GraphVertex {
    private boolean overwriteFirstInput;

    /** relu(a + b) into a new array. */
    public AddReluVertex() {
        this(false);
    }

    /** @param overwriteFirstInput write the result over input a when training (a must feed nothing else) */
    public AddReluVertex(boolean overwriteFirstInput) {
        this.overwriteFirstInput = overwriteFirstInput;
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
        return new AddReluVertex(overwriteFirstInput);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddReluVertex v && v.overwriteFirstInput == overwriteFirstInput;
    }

    @Override
    public int hashCode() {
        return AddReluVertex.class.hashCode() * 31 + Boolean.hashCode(overwriteFirstInput);
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
        return new AddReluVertexImpl(graph, name, idx, networkDatatype, overwriteFirstInput);
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
