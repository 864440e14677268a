package org.symile.samediff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A loss computed eagerly with its exact gradients (closed form, or chunk by chunk) entering a graph as a surrogate.
 *
 * <p>{@link #feed} runs the graph forward to the representations, computes the loss L and its gradients G_m, g
 * with the eager computation, and feeds them to
 * <pre>
 *   loss = Σ_m sum(r_m ⊙ G_m) + g·log(s) + c,   c = L − Σ_m sum(r_m ⊙ G_m) − g·log(s)
 * </pre>
 * whose value is L and whose gradients with respect to r_m and log(s) are exactly G_m and g, so back-propagation
 * into whatever produced the representations is exact. The price is one extra forward pass of those producers per
 * step; the graph itself has no [B, B] or larger array. Used by the memory-lean O(N²) Symile loss (SameDiff would
 * keep every chunk until the backward pass) and by the closed forms of {@link LossForm#CLOSED_FORM}.
 *
 * <p>A gradient-cached training step uses the same graph with gradients it computed itself: {@link #forward}
 * gives a micro-batch's representations without the loss, the step computes the loss over the whole batch with
 * {@link #eager()}, and {@link #feedGradients} feeds one micro-batch's slice of the gradients, so that
 * back-propagating the graph's loss gives that micro-batch's share of the whole batch's parameter gradients.
 */
public final class SurrogateLossGraph implements LossGraph {

    /** The representations [rows, d] of one execution, in the order the loss was built with, and log(s). */
    public record Forward(List<INDArray> representations, double logScale) {
    }

    private final List<SDVariable> reps;
    private final LogitScale scale;
    private final EagerLoss eager;
    private final String what;
    private final String[] gradNames;
    private final String scaleGradName;
    private final String offsetName;
    private final List<String> placeholders;
    private final SDVariable loss;
    private final DataType dtype;

    /**
     * Builds the surrogate of {@code eager} into {@code sd}.
     *
     * @param name  the loss variable's name (its placeholders are named after it)
     * @param reps  M ≥ 2 representation variables [B, d]
     * @param eager the loss the surrogate stands for
     * @param what  the loss's name in messages ("Symile loss", "CLIP loss")
     */
    public SurrogateLossGraph(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale, EagerLoss eager,
                       String what) {
        this.reps = reps;
        this.scale = scale;
        this.eager = eager;
        this.what = what;
        this.dtype = reps.get(0).dataType();
        int m = reps.size();
        this.gradNames = new String[m];
        List<String> ph = new ArrayList<>();
        SDVariable total = null;
        for (int k = 0; k < m; k++) {
            gradNames[k] = name + "_grad" + k;
            SDVariable g = sd.placeHolder(gradNames[k], dtype, -1, -1);
            ph.add(gradNames[k]);
            SDVariable term = reps.get(k).mul(g).sum();
            total = total == null ? term : total.add(term);
        }
        scaleGradName = name + "_grad_logit_scale";
        offsetName = name + "_offset";
        SDVariable gs = sd.placeHolder(scaleGradName, dtype);
        SDVariable offset = sd.placeHolder(offsetName, dtype);
        ph.add(scaleGradName);
        ph.add(offsetName);
        this.loss = total.add(scale.logScale().mul(gs)).add(name, offset);
        this.placeholders = Collections.unmodifiableList(ph);
    }

    @Override
    public SDVariable loss() {
        return loss;
    }

    @Override
    public List<String> placeholders() {
        return placeholders;
    }

    @Override
    public double value(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        Map<String, INDArray> values = forward(sd, feed, batchSize);
        return eager.value(representations(values), logScale(values), permutations);
    }

    @Override
    public void feed(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        Map<String, INDArray> values = forward(sd, feed, batchSize);
        List<INDArray> r = representations(values);
        double logScale = logScale(values);
        LossGradients res = eager.compute(r, logScale, permutations);
        double surrogate = res.gradLogScale() * logScale;
        for (int k = 0; k < r.size(); k++) {
            INDArray g = res.gradients().get(k);
            surrogate += dot(r.get(k), g);
            feed.put(gradNames[k], g);
        }
        feed.put(scaleGradName, Nd4j.scalar(dtype, res.gradLogScale()));
        feed.put(offsetName, Nd4j.scalar(dtype, res.loss() - surrogate));
    }

    /** The eager loss this graph stands for. */
    public EagerLoss eager() {
        return eager;
    }

    /**
     * The representations and log(s) of one execution of the graph up to them (nothing kept for back-propagation).
     *
     * @param feed the caller's placeholder values; not modified
     */
    public Forward forward(SameDiff sd, Map<String, INDArray> feed) {
        Map<String, INDArray> values = forward(sd, feed, -1);
        return new Forward(representations(values), logScale(values));
    }

    /**
     * Feeds gradients computed elsewhere instead of computing them: the graph's loss becomes
     * Σ_m sum(r_m ⊙ G_m) + g·log(s), so back-propagating it gives the parameter gradients these representation
     * gradients imply. The loss value is then meaningless (its constant is 0).
     *
     * @param feed         the caller's placeholder values for this execution; entries are added to it
     * @param gradients    G_m, [rows, d] each, in the order the loss was built with
     * @param gradLogScale g, the share of ∂L/∂log(s) to back-propagate with these rows (0 for all but one share)
     */
    public void feedGradients(Map<String, INDArray> feed, List<INDArray> gradients, double gradLogScale) {
        if (gradients.size() != gradNames.length) {
            throw new IllegalArgumentException(what + ": " + gradNames.length + " representation gradients needed, got "
                    + gradients.size());
        }
        for (int k = 0; k < gradNames.length; k++) {
            feed.put(gradNames[k], gradients.get(k).castTo(dtype));
        }
        feed.put(scaleGradName, Nd4j.scalar(dtype, gradLogScale));
        feed.put(offsetName, Nd4j.scalar(dtype, 0.0));
    }

    /** The representations and log(s), from the graph's forward pass up to them; {@code batchSize} -1: any. */
    private Map<String, INDArray> forward(SameDiff sd, Map<String, INDArray> feed, int batchSize) {
        List<String> names = new ArrayList<>();
        for (SDVariable r : reps) {
            names.add(r.name());
        }
        names.add(scale.logScale().name());
        Map<String, INDArray> values = sd.output(feed, names.toArray(new String[0]));
        long rows = values.get(reps.get(0).name()).rows();
        if (batchSize >= 0 && rows != batchSize) {
            throw new IllegalArgumentException(what + ": batch size given as " + batchSize
                    + " but the representations have " + rows + " rows");
        }
        return values;
    }

    private List<INDArray> representations(Map<String, INDArray> values) {
        List<INDArray> r = new ArrayList<>();
        for (SDVariable v : reps) {
            r.add(values.get(v.name()));
        }
        return r;
    }

    private double logScale(Map<String, INDArray> values) {
        return values.get(scale.logScale().name()).getDouble(0);
    }

    /** Σ a ⊙ b: one BLAS dot over the contiguous arrays (no temporaries). */
    private static double dot(INDArray a, INDArray b) {
        INDArray x = Shapes.contiguous(a);
        INDArray y = Shapes.contiguous(b);
        return Nd4j.getBlasWrapper().dot(x.reshape(x.length()), y.reshape(y.length()));
    }
}
