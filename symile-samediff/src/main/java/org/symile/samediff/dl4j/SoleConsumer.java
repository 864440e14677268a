package org.symile.samediff.dl4j;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Activations that one layer produces and exactly one other layer reads, freed as soon as that reader's backprop
 * has run, as PyTorch frees a saved tensor once its node's backward is done. DL4J keeps every training
 * activation in one workspace until the whole backward pass ends, so its peak is all activations plus the
 * activation gradients of the widest layers; with the sole-consumer edges of a ResNet (a convolution's output
 * read only by its batch norm, a block's inner batch-norm outputs read only by the next convolution) released
 * as backprop goes, the activation gradients of the early, wide layers take memory the later layers' activations
 * gave back.
 *
 * <p>The producer allocates such an output outside every workspace, and only in a training pass whose activations
 * live in DL4J's all-layers workspace (a pass that is followed by backprop); inference passes and passes that
 * reuse layer workspaces allocate as before. The consumer frees its input after its backprop only when it is
 * such a detached array. A forward pass in training mode that never reaches backprop leaves those arrays to the
 * garbage collector, as DL4J does for every array outside workspaces.
 */
final class SoleConsumer {
    /** DL4J's ComputationGraph/MultiLayerNetwork workspace for the activations backprop reads. */
    static final String ALL_ACTIVATIONS_WORKSPACE = "WS_ALL_LAYERS_ACT";

    /** Arrays freed by {@link #release} in this process (for tests). */
    private static final java.util.concurrent.atomic.AtomicLong RELEASED = new java.util.concurrent.atomic.AtomicLong();

    private SoleConsumer() {
    }

    /** How many arrays {@link #release} has freed in this process. */
    static long released() {
        return RELEASED.get();
    }

    /** Whether a pass with this manager keeps its activations for backprop (the training pass of fit). */
    static boolean keepsActivationsForBackprop(boolean training, LayerWorkspaceMgr mgr) {
        return training && (mgr.isScopedOut(ArrayType.ACTIVATIONS)
                || ALL_ACTIVATIONS_WORKSPACE.equals(mgr.getWorkspaceName(ArrayType.ACTIVATIONS)));
    }

    /**
     * A layer's output [shape]: outside every workspace when {@code detached} is set and the pass keeps its
     * activations for backprop, else in the manager's activations workspace.
     */
    static INDArray output(boolean detached, boolean training, LayerWorkspaceMgr mgr, DataType dataType,
                           long[] shape) {
        if (detached && keepsActivationsForBackprop(training, mgr)) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                return Nd4j.createUninitialized(dataType, shape, 'c');
            }
        }
        return mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, shape, 'c');
    }

    /** Frees {@code input} if it is a whole array outside workspaces (one that {@link #output} detached). */
    static void release(INDArray input) {
        if (input != null && !input.isAttached() && !input.isView() && !input.wasClosed() && input.closeable()) {
            input.close();
            RELEASED.incrementAndGet();
        }
    }
}
