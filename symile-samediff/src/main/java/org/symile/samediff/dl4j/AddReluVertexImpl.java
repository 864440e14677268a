package org.symile.samediff.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The vertex of an {@link AddReluVertex}. */
final class AddReluVertexImpl extends BaseGraphVertex {
    private final boolean overwriteFirstInput;
    private final boolean soleConsumerOfSecondInput;
    private final boolean sharedGradient;
    /** Whether the last forward pass wrote its result over inputs[0]. */
    private boolean overwrote;

    AddReluVertexImpl(ComputationGraph graph, String name, int vertexIndex, DataType dataType,
                      AddReluVertex conf) {
        super(graph, name, vertexIndex, null, null, dataType);
        this.overwriteFirstInput = conf.isOverwriteFirstInput();
        this.soleConsumerOfSecondInput = conf.isSoleConsumerOfSecondInput();
        this.sharedGradient = conf.isSharedGradient();
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    private INDArray sum(LayerWorkspaceMgr mgr, ArrayType type) {
        if (!inputs[0].equalShapes(inputs[1])) {
            throw new IllegalArgumentException(getVertexName() + ": inputs of shapes "
                    + java.util.Arrays.toString(inputs[0].shape()) + " and "
                    + java.util.Arrays.toString(inputs[1].shape()) + " cannot be added");
        }
        INDArray s = mgr.createUninitialized(type, dataType, inputs[0].shape(), 'c');
        // one pass writing s (assign, then addi, reads and writes s twice: 4x this vertex's time when it does not
        // overwrite, as in the passes without backprop of a gradient-cached step)
        Nd4j.exec(new AddOp(inputs[0], inputs[1], s));
        return s;
    }

    /**
     * Writing over inputs[0] is safe only where no array of the pass is handed to another layer before backprop:
     * DL4J's all-activations workspace of training, or no workspace at all. Inference reuses a layer's workspace
     * once its consumers ran, which would then hold this vertex's output.
     */
    private boolean mayOverwrite(LayerWorkspaceMgr mgr) {
        if (!overwriteFirstInput || inputs[0].ordering() != 'c' || !inputs[0].dataType().equals(dataType)
                || !org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(inputs[0])) {
            return false;
        }
        return SoleConsumer.keepsActivationsForBackprop(true, mgr);
    }

    /** Whether the last forward pass wrote over its first input (for tests). */
    boolean overwrote() {
        return overwrote;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("Cannot do forward pass: inputs not set");
        }
        overwrote = training && mayOverwrite(workspaceMgr) && inputs[0].equalShapes(inputs[1]);
        if (overwrote) {
            INDArray out = Transforms.relu(inputs[0].addi(inputs[1]), false);
            if (soleConsumerOfSecondInput) {
                SoleConsumer.release(inputs[1]);
            }
            return out;
        }
        return Transforms.relu(sum(workspaceMgr, ArrayType.ACTIVATIONS), false);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("Cannot do backward pass: errors not set");
        }
        // relu(s) > 0 exactly where s > 0: after an overwriting pass inputs[0] holds relu(s)
        INDArray s = overwrote ? inputs[0] : sum(workspaceMgr, ArrayType.BP_WORKING_MEM);
        INDArray g = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, s.shape(), 'c');
        NativeOps.reluBackward(s, NativeOps.contiguous(epsilon), g);
        INDArray second = sharedGradient ? g : workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, g);
        return new Pair<>(null, new INDArray[] {g, second});
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException("AddReluVertex has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        return new Pair<>(maskArrays == null || maskArrays.length == 0 ? null : maskArrays[0], currentMaskState);
    }

    @Override
    public String toString() {
        return "AddReluVertex(id=" + getVertexIndex() + ",name=\"" + getVertexName() + "\")";
    }
}
