package org.symile.app.train.samediff;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.AdamWUpdate;
import org.symile.app.train.Optimizer;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (upstream §1.9, equations in {@link AdamWUpdate}), one tensor at a
 * time: decoupled weight decay on every trained tensor, the log-scale included, then the bias-corrected Adam step.
 * Implemented here rather than through ND4J's {@code Adam} so that its state (m, v, t) is plain arrays a
 * checkpoint can hold and a resumed run continues bit for bit.
 */
public final class AdamW implements Optimizer {

    private final OptimizerSpec config;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;

    public AdamW(OptimizerSpec config) {
        this.config = config;
    }

    @Override
    public OptimizerSpec config() {
        return config;
    }

    /** Updates every parameter that has a gradient in place. */
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads) {
        step++;
        AdamWUpdate update = new AdamWUpdate(config, step);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            INDArray p = e.getValue();
            INDArray mi = m.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray vi = v.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            if (update.decays()) {
                p.muli(update.decayFactor());
            }
            chunkedUpdate(update, p, g, mi, vi);
        }
    }

    /** Elements per chunk: bounds the update's four temporaries (a Symile-M3 head weight is 10M elements). */
    private static final long CHUNK = 1L << 20;

    /**
     * {@link AdamWUpdate#apply} on chunks of the flattened arrays: the same arithmetic element by element (so the
     * same numbers), with temporaries of at most {@value #CHUNK} elements instead of four copies of the parameter.
     */
    private static void chunkedUpdate(AdamWUpdate update, INDArray p, INDArray g, INDArray m, INDArray v) {
        long n = p.length();
        if (n <= CHUNK || !contiguous(p, g, m, v)) {
            update.apply(p, g, m, v);
            return;
        }
        INDArray pf = p.reshape(n);
        INDArray gf = g.reshape(n);
        INDArray mf = m.reshape(n);
        INDArray vf = v.reshape(n);
        for (long from = 0; from < n; from += CHUNK) {
            var range = NDArrayIndex.interval(from, Math.min(n, from + CHUNK));
            update.apply(pf.get(range), gf.get(range), mf.get(range), vf.get(range));
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

    @Override
    public long steps() {
        return step;
    }

    /** The moments as named arrays ({@code m/<param>}, {@code v/<param>}), the live ones. */
    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m/" + k, a));
        v.forEach((k, a) -> out.put("v/" + k, a));
        return out;
    }

    @Override
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
