package org.symile.app.memory;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees a training step's intermediate arrays as soon as the last op that reads them has run, and reuses their
 * buffers for later arrays of the same size, as PyTorch's autograd does with reference counts.
 *
 * <p>Why: SameDiff 1.0.0-M2.1 switches its own release off for gradient passes
 * ({@code calculateGradientsAndOutputs} calls {@code gradFn.setEnableCache(false)}), so every intermediate array
 * of a step, forward and backward, stays allocated until the step ends: 9.4 GB for a Symile-M3 step at upstream
 * widths and B 256, where the arrays alive at any one time are a fraction of that. A workspace has the same peak;
 * plain allocation without release leaks until the next full garbage collection.
 *
 * <p>How: a listener sees every op of the gradient function run. Each array an op outputs is counted against its
 * root buffer (views share their base's root); each variable's remaining readers are the ops of the graph that take
 * it as input. When the last reader has run, the variable is dead; when every variable on a root buffer is dead,
 * the buffer goes to a pool keyed by data type and length, from which the memory manager serves the next
 * allocation of that size (steps repeat the same sizes, so after the first step almost nothing is allocated).
 * Never freed: trainable variables, constants, fed placeholders, the requested outputs and gradients, and any
 * buffer one of those is a view of. Counting every consuming op of the graph (not only those that run) can only
 * keep an array longer, never free it early; what is still alive when the step ends goes to the pool then.
 */
public final class ReleasingMemory {
    private static final Logger LOG = LoggerFactory.getLogger(ReleasingMemory.class);
    /** Smaller buffers are left to malloc, which reuses them well. */
    private static final long POOL_MIN_BYTES = 1 << 20;

    private final Map<Long, ArrayDeque<DataBuffer>> pool = new HashMap<>();
    private final Releaser releaser = new Releaser();
    private final Set<String> pinnedNames = new HashSet<>();
    private final Map<String, Integer> readersLeft = new HashMap<>();
    private final Map<String, INDArray> live = new HashMap<>();
    private final Map<DataBuffer, Integer> liveOnRoot = new IdentityHashMap<>();
    private final Map<DataBuffer, Boolean> pinnedRoots = new IdentityHashMap<>();
    private final Set<String> ran = new HashSet<>();
    private boolean active;
    private boolean listening;
    private long releasedBytes;

    /**
     * Prepares one gradient step of {@code sd}: installs the memory manager on this thread's session of the gradient
     * function and the listener on {@code sd}, and pins what must outlive the step.
     *
     * @param requested output names and the trainable variables whose gradients the step returns
     */
    public void beginStep(SameDiff sd, Map<String, INDArray> feed, Collection<String> outputs, Collection<String> gradientsOf) {
        SameDiff grad = sd.getFunction("grad");
        long tid = Thread.currentThread().getId();
        InferenceSession s = grad.getSessions().computeIfAbsent(tid, t -> SameDiff.getInferenceFactory().create(grad));
        if (s.getMmgr() != releaser.mgr) {
            s.setMmgr(releaser.mgr);
        }
        if (!listening) {
            sd.addListeners(releaser);
            listening = true;
        }
        pinnedNames.clear();
        pinnedNames.addAll(outputs);
        for (String v : gradientsOf) {
            SDVariable g = sd.getVariable(v).getGradient();
            if (g != null) {
                pinnedNames.add(g.name());
            }
        }
        pinnedRoots.clear();
        for (SameDiff graph : List.of(sd, grad)) {
            for (SDVariable v : graph.variables()) {
                VariableType t = v.getVariableType();
                if ((t == VariableType.VARIABLE || t == VariableType.CONSTANT) && v.getArr() != null) {
                    pin(v.getArr());
                }
            }
        }
        feed.values().forEach(this::pin);
        readersLeft.clear();
        for (Variable v : grad.getVariables().values()) {
            List<String> readers = v.getInputsForOp();
            if (readers != null) {
                readersLeft.put(v.getName(), new HashSet<>(readers).size());
            }
        }
        live.clear();
        liveOnRoot.clear();
        ran.clear();
        releasedBytes = 0;
        active = true;
    }

    /** Ends the step: what is still alive and not pinned goes to the pool (nothing reads it any more). */
    public void endStep() {
        active = false;
        for (String name : List.copyOf(live.keySet())) {
            kill(name);
        }
        live.clear();
        liveOnRoot.clear();
        pinnedRoots.clear();
    }

    /** Bytes freed or pooled before the last step ended (a measure of what the step did not keep). */
    public long releasedBytes() {
        return releasedBytes;
    }

    private void pin(INDArray a) {
        if (a != null && !a.isEmpty()) {
            pinnedRoots.put(root(a.data()), Boolean.TRUE);
        }
    }

    private void produced(String name, INDArray a) {
        if (a == null || a.isEmpty()) {
            return;
        }
        if (pinnedNames.contains(name)) {
            pin(a);
            return;
        }
        if (live.put(name, a) == null) {
            liveOnRoot.merge(root(a.data()), 1, Integer::sum);
        }
        if (readersLeft.getOrDefault(name, 0) == 0) {
            kill(name);
        }
    }

    private void read(String name) {
        Integer left = readersLeft.get(name);
        if (left == null) {
            return;
        }
        readersLeft.put(name, left - 1);
        if (left == 1 && live.containsKey(name)) {
            kill(name);
        }
    }

    private void kill(String name) {
        INDArray a = live.remove(name);
        if (a == null) {
            return;
        }
        DataBuffer r = root(a.data());
        int n = liveOnRoot.merge(r, -1, Integer::sum);
        if (n > 0) {
            return;
        }
        liveOnRoot.remove(r);
        if (pinnedRoots.containsKey(r)) {
            return;
        }
        long bytes = r.length() * r.getElementSize();
        if (!r.closeable()) {
            return;
        }
        if (active) {
            releasedBytes += bytes;
        }
        if (bytes >= POOL_MIN_BYTES) {
            pool.computeIfAbsent(key(r.dataType(), r.length()), k -> new ArrayDeque<>()).push(r);
        } else {
            r.close();
        }
    }

    private static DataBuffer root(DataBuffer d) {
        while (true) {
            DataBuffer o = d.originalDataBuffer();
            if (o != null && o != d) {
                d = o;
                continue;
            }
            DataBuffer u = d.underlyingDataBuffer();
            if (u != null && u != d) {
                d = u;
                continue;
            }
            return d;
        }
    }

    private static long key(DataType t, long length) {
        return length * 64 + t.ordinal();
    }

    /** Listener and memory manager in one: it sees the ops run and serves their allocations. */
    private final class Releaser extends BaseListener {
        private final AbstractMemoryMgr mgr = new AbstractMemoryMgr() {
            @Override
            public INDArray allocate(boolean detached, DataType dataType, long... shape) {
                long n = 1;
                for (long x : shape) {
                    n *= x;
                }
                ArrayDeque<DataBuffer> free = n * dataType.width() >= POOL_MIN_BYTES ? pool.get(key(dataType, n)) : null;
                if (free != null && !free.isEmpty()) {
                    DataBuffer b = free.pop();
                    return Nd4j.create(b, shape);
                }
                return Nd4j.createUninitializedDetached(dataType, shape);
            }

            @Override
            public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
                if (descriptor.isEmpty()) {
                    return Nd4j.create(descriptor);
                }
                return allocate(detached, descriptor.dataType(), descriptor.getShape());
            }

            @Override
            public void release(INDArray array) {
                // SameDiff's own release is off in gradient passes; the listener decides
            }

            @Override
            public void close() {
                // the pool lives as long as the model
            }
        };

        @Override
        public boolean isActive(Operation operation) {
            return active;
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx,
                INDArray[] outputs) {
            if (!active) {
                return;
            }
            if (!ran.add(op.getName())) {
                // an op running twice (control flow) would be counted twice: stop freeing for this step
                LOG.warn("op {} ran twice in one step; intermediate arrays are kept until the step ends",
                        op.getName());
                active = false;
                return;
            }
            List<String> outs = op.getOutputsOfOp();
            for (int i = 0; outs != null && i < outputs.length && i < outs.size(); i++) {
                produced(outs.get(i), outputs[i]);
            }
            List<String> ins = op.getInputsToOp();
            if (ins != null) {
                for (String in : new HashSet<>(ins)) {
                    read(in);
                }
            }
        }
    }
}
