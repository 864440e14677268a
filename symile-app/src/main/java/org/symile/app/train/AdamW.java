package org.symile.app.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.symile.app.spec.OptimizerSpec;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (upstream §1.9): decoupled weight decay applied to every trained
 * tensor, the log-scale included, then the bias-corrected Adam step:
 * <pre>
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * </pre>
 * Implemented here rather than through ND4J's {@code Adam} so that its state (m, v, t) is plain arrays a
 * checkpoint can hold and a resumed run continues bit for bit.
 */
public final class AdamW {

    private final OptimizerSpec config;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;

    public AdamW(OptimizerSpec config) {
        this.config = config;
    }

    public OptimizerSpec config() {
        return config;
    }

    /** Updates every parameter in place from its gradient. */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads) {
        step++;
        double bc1 = 1 - Math.pow(config.beta1(), step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(config.beta2(), step));
        double stepSize = config.lr() / bc1;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            INDArray p = e.getValue();
            INDArray mi = m.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray vi = v.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            if (config.weightDecay() != 0) {
                p.muli(1 - config.lr() * config.weightDecay());
            }
            chunkedUpdate(p, g, mi, vi, stepSize, bc2Sqrt);
        }
    }

    /** Elements per chunk: bounds adamUpdate's four temporaries (a Symile-M3 head weight is 10M elements). */
    private static final long CHUNK = 1L << 20;

    /**
     * {@link #adamUpdate} on chunks of the flattened arrays: the same arithmetic element by element (so the same
     * numbers), with temporaries of at most {@value #CHUNK} elements instead of four copies of the parameter.
     */
    private void chunkedUpdate(INDArray p, INDArray g, INDArray m, INDArray v, double stepSize, double bc2Sqrt) {
        long n = p.length();
        if (n <= CHUNK || !contiguous(p, g, m, v)) {
            adamUpdate(config, p, g, m, v, stepSize, bc2Sqrt);
            return;
        }
        INDArray pf = p.reshape(n);
        INDArray gf = g.reshape(n);
        INDArray mf = m.reshape(n);
        INDArray vf = v.reshape(n);
        for (long from = 0; from < n; from += CHUNK) {
            var range = NDArrayIndex.interval(from, Math.min(n, from + CHUNK));
            adamUpdate(config, pf.get(range), gf.get(range), mf.get(range), vf.get(range), stepSize, bc2Sqrt);
        }
    }

    private static boolean contiguous(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.ordering() != 'c' || a.isView() || a.elementWiseStride() != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The Adam part of a step on matching arrays, in place (weight decay is the caller's): m ← β1·m + (1−β1)·g,
     * v ← β2·v + (1−β2)·g², p ← p − stepSize · m / (√v / bc2Sqrt + eps). {@link FlatAdamW} runs the same code on
     * chunks of the flattened vector, so the two give the same numbers.
     */
    static void adamUpdate(OptimizerSpec config, INDArray p, INDArray g, INDArray m, INDArray v, double stepSize,
                           double bc2Sqrt) {
        INDArray gScaled = g.mul(1 - config.beta1());
        m.muli(config.beta1()).addi(gScaled);
        INDArray g2 = g.mul(g).muli(1 - config.beta2());
        v.muli(config.beta2()).addi(g2);
        INDArray denom = Transforms.sqrt(v, true).divi(bc2Sqrt).addi(config.eps());
        INDArray upd = m.div(denom).muli(stepSize);
        p.subi(upd);
        for (INDArray t : new INDArray[] {gScaled, g2, denom, upd}) {
            t.close();
        }
    }

    /** Steps taken so far. */
    public long steps() {
        return step;
    }

    /** Optimizer state as named arrays ({@code m/<param>}, {@code v/<param>}) for a checkpoint. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m/" + k, a));
        v.forEach((k, a) -> out.put("v/" + k, a));
        return out;
    }

    /** Restores the state written by {@link #state()} and the step count. */
    public void restore(Map<String, INDArray> state, long steps) {
        m.clear();
        v.clear();
        state.forEach((k, a) -> {
            if (k.startsWith("m/")) {
                m.put(k.substring(2), a.dup());
            } else if (k.startsWith("v/")) {
                v.put(k.substring(2), a.dup());
            }
        });
        this.step = steps;
    }
}
