package org.symile.app.memory;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a graph's intermediate arrays in an ND4J workspace: one buffer that is sized on the first step and reused
 * by every later one, as DL4J does for its SameDiff layers. Without it every step allocates (and the OS zeroes)
 * fresh memory for each intermediate [B, B] array. Requested outputs (the loss, gradients) are allocated outside
 * the workspace and stay valid after the step.
 */
public final class WorkspaceMemory {
    private static final WorkspaceConfiguration CONF = WorkspaceConfiguration.builder()
            .initialSize(0)
            .overallocationLimit(0.1)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    private final String name;

    public WorkspaceMemory(String name) {
        this.name = name;
    }

    /** Opens the workspace for one step; close it (try-with-resources) when the step's outputs are consumed. */
    public MemoryWorkspace open() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONF, name);
    }

    /** Makes the current thread's sessions of {@code sd} and of its gradient function allocate through here. */
    public void attach(SameDiff sd) {
        attachTo(sd);
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) {
            attachTo(grad);
        }
    }

    private void attachTo(SameDiff sd) {
        long tid = Thread.currentThread().getId();
        InferenceSession s = sd.getSessions().computeIfAbsent(tid, t -> SameDiff.getInferenceFactory().create(sd));
        if (!(s.getMmgr() instanceof Mgr)) {
            s.setMmgr(new Mgr());
        }
    }

    /** Outputs detached, working memory in the workspace that is open on this thread (if any). */
    private final class Mgr extends AbstractMemoryMgr {
        @Override
        public INDArray allocate(boolean detached, DataType dataType, long... shape) {
            if (detached || !Nd4j.getWorkspaceManager().checkIfWorkspaceExistsAndActive(name)) {
                return Nd4j.createUninitializedDetached(dataType, shape);
            }
            return Nd4j.createUninitialized(dataType, shape);
        }

        @Override
        public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
            if (descriptor.isEmpty()) {
                INDArray ret = Nd4j.create(descriptor);
                return detached ? ret.detach() : ret;
            }
            return allocate(detached, descriptor.dataType(), descriptor.getShape());
        }

        @Override
        public void release(INDArray array) {
            // the workspace is reused as a whole at the next step
        }

        @Override
        public void close() {
            // nothing held outside the workspace
        }
    }
}
