package org.symile.app.train.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.AdamWUpdate;
import org.symile.app.train.Optimizer;

/**
 * AdamW ({@link AdamWUpdate}, which {@code train.samediff.AdamW} applies tensor by tensor) over a network's whole
 * flattened parameter vector at once: the same equations, element for element the same arithmetic, in a dozen
 * vector operations per chunk of the vector instead of a dozen per tensor (a ResNet pair has ~300 tensors, and at
 * small sizes the per-operation overhead dominated the step). Elements that are not trained (batch-norm running
 * statistics, a frozen logit scale) get a zero gradient, so their moments stay zero and their Adam update is
 * exactly zero; weight decay runs over the trained runs of the vector only. Only the two moment vectors are kept
 * (no mask: at Symile-MIMIC's size each parameter-sized array is 250 MB). The state reads and restores as the
 * per-tensor AdamW's named arrays, so checkpoints do not depend on which one ran.
 */
final class FlatAdamW implements Optimizer {
    /** Elements per chunk: bounds the four temporaries to 16 MiB each in float32. */
    private static final long CHUNK = 1L << 22;

    private final OptimizerSpec config;
    private final INDArray params;
    private final Map<String, INDArray> trained;
    /** Maximal [from, to) runs of the vector that hold trained tensors, in order. */
    private final List<long[]> trainedRuns = new ArrayList<>();
    /** [from, to) runs that are not trained: their gradient is zeroed before the update. */
    private final List<long[]> frozenRuns = new ArrayList<>();
    private final INDArray m;
    private final INDArray v;
    private long step;

    /**
     * @param params  the flattened parameter vector [1, P] (or [P])
     * @param trained the trained tensors by name: views of {@code params}, each one contiguous segment of it
     */
    FlatAdamW(OptimizerSpec config, INDArray params, Map<String, INDArray> trained) {
        this.config = config;
        this.params = params.reshape(params.length());
        this.trained = new LinkedHashMap<>(trained);
        TreeMap<Long, Long> segments = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : trained.entrySet()) {
            long from = offset(e.getKey(), e.getValue());
            if (segments.put(from, from + e.getValue().length()) != null) {
                throw new IllegalStateException("parameter '" + e.getKey() + "' overlaps another one");
            }
        }
        long end = 0;
        for (Map.Entry<Long, Long> seg : segments.entrySet()) {
            if (seg.getKey() < end) {
                throw new IllegalStateException("trained parameters overlap at element " + seg.getKey());
            }
            if (seg.getKey() > end) {
                frozenRuns.add(new long[] {end, seg.getKey()});
            }
            if (!trainedRuns.isEmpty() && trainedRuns.get(trainedRuns.size() - 1)[1] == seg.getKey()) {
                trainedRuns.get(trainedRuns.size() - 1)[1] = seg.getValue();
            } else {
                trainedRuns.add(new long[] {seg.getKey(), seg.getValue()});
            }
            end = seg.getValue();
        }
        if (end < this.params.length()) {
            frozenRuns.add(new long[] {end, this.params.length()});
        }
        this.m = Nd4j.zeros(params.dataType(), params.length());
        this.v = Nd4j.zeros(params.dataType(), params.length());
    }

    /** Where tensor {@code view} starts in {@link #params}; it must be a contiguous run of it. */
    private long offset(String name, INDArray view) {
        long offset = view.offset() - params.offset();
        if (view.data().address() != params.data().address() || !denselyPacked(view) || offset < 0
                || offset + view.length() > params.length()) {
            throw new IllegalStateException("parameter '" + name + "' is not a contiguous part of the flattened"
                    + " parameters");
        }
        return offset;
    }

    /** The part of a flat vector that holds tensor {@code view} of {@link #params}. */
    private INDArray segment(INDArray flat, String name, INDArray view) {
        long offset = offset(name, view);
        return flat.get(NDArrayIndex.interval(offset, offset + view.length()));
    }

    /** Whether {@code a}'s elements fill length() consecutive slots (strides of size-1 dimensions do not matter). */
    private static boolean denselyPacked(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int k = 0; k < shape.length; k++) {
            int i = a.ordering() == 'f' ? k : shape.length - 1 - k;
            if (shape[i] == 1) {
                continue;
            }
            if (stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * One step. {@code grads} is the flattened gradient [1, P], laid out as the parameters, of the summed loss; it
     * is overwritten (the untrained elements zeroed, the rest divided by {@code batchRows}).
     */
    void step(INDArray grads, long batchRows) {
        step++;
        AdamWUpdate update = new AdamWUpdate(config, step);
        INDArray g = grads.reshape(grads.length());
        for (long[] run : frozenRuns) {
            g.get(NDArrayIndex.interval(run[0], run[1])).assign(0);
        }
        if (update.decays()) {
            for (long[] run : trainedRuns) {
                params.get(NDArrayIndex.interval(run[0], run[1])).muli(update.decayFactor());
            }
        }
        long n = params.length();
        for (long from = 0; from < n; from += CHUNK) {
            var range = NDArrayIndex.interval(from, Math.min(n, from + CHUNK));
            INDArray p = params.get(range);
            INDArray gi = g.get(range).divi(batchRows);
            update.apply(p, gi, m.get(range), v.get(range));
        }
    }

    @Override
    public OptimizerSpec config() {
        return config;
    }

    @Override
    public long steps() {
        return step;
    }

    /**
     * {@code m/<param>}, {@code v/<param>} for every trained tensor, shaped as it (views of the moment vectors, valid
     * until the next step); empty before the first step.
     */
    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (step == 0) {
            return out;
        }
        trained.forEach((k, view) -> out.put("m/" + k, shaped(m, k, view)));
        trained.forEach((k, view) -> out.put("v/" + k, shaped(v, k, view)));
        return out;
    }

    private INDArray shaped(INDArray flat, String name, INDArray view) {
        return segment(flat, name, view).reshape(view.ordering(), view.shape());
    }

    @Override
    public void restore(Map<String, INDArray> state, long steps) {
        m.assign(0);
        v.assign(0);
        trained.forEach((k, view) -> {
            for (String which : new String[] {"m/", "v/"}) {
                INDArray saved = state.get(which + k);
                if (saved != null) {
                    segment(which.equals("m/") ? m : v, k, view)
                            .assign(saved.castTo(view.dataType()).reshape(view.ordering(), new long[] {saved.length()}));
                }
            }
        });
        this.step = steps;
    }
}
