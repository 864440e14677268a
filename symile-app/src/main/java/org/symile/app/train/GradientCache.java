package org.symile.app.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.LossGradients;
import org.symile.samediff.Permutations;

/**
 * A gradient-cached training step (Gao et al., "Scaling Deep Contrastive Learning Batch Size under Memory Limited
 * Setup", arXiv 2101.06983; open_clip's {@code --accum-freq}): the contrastive batch of B rows (every row's
 * negatives) is encoded at most N rows at a time ({@code --micro_batch_sz}), so memory holds one micro-batch's
 * activations plus the batch's representations, at the price of a second forward pass:
 * <ol>
 *   <li>encode each micro-batch in training mode, keeping nothing for back-propagation: the representations
 *       r_m [B, d] of the whole batch;</li>
 *   <li>the loss L over the whole batch and its exact gradients G_m = ∂L/∂r_m and g = ∂L/∂log(s), eagerly
 *       ({@link EagerLoss}: closed forms, the memory-lean O(N²) loss);</li>
 *   <li>encode each micro-batch again with activations and back-propagate Σ_m ⟨r_m, G_m[rows]⟩ (+ g·log(s) with
 *       the first micro-batch); the parameter gradients summed over micro-batches are the whole batch's, exactly,
 *       for encoders whose forward pass is a function of the micro-batch alone.</li>
 * </ol>
 * A batch of R rows is cut into ⌈R/N⌉ micro-batches of as equal sizes as possible (at most N rows each). Batch
 * norm in training mode normalises each micro-batch with its own statistics (as DistributedDataParallel's
 * per-device batch norm), and the model moves its running statistics once per micro-batch, in phase 3.
 *
 * <p>The three phases are also what data-parallel training with global negatives runs on separate machines: workers
 * {@link #encode} their rows, the driver computes the {@link #loss} over every worker's rows, workers
 * {@link #backpropagate} their rows' share.
 */
public final class GradientCache {

    /** What a model offers a gradient-cached step; both engines implement it. */
    public interface Phases {
        /**
         * Phase 1 (training mode) or evaluation: each modality's representations [rows, d] and log(s), nothing kept
         * for back-propagation and nothing updated.
         */
        Encoded encode(Batch batch, boolean training);

        /**
         * Phase 3: back-propagates Σ_m ⟨r_m, G_m⟩ + g·log(s) through one micro-batch in training mode and returns the
         * gradient of every trained parameter by name (arrays the caller owns); running statistics, if any, are
         * moved once, in place.
         *
         * @param gradients    G_m [rows, d], in modality order
         * @param gradLogScale this micro-batch's share of ∂L/∂log(s)
         */
        Map<String, INDArray> backpropagate(Batch batch, List<INDArray> gradients, double gradLogScale);

        /**
         * Phase 3 as {@link #backpropagate}, adding each gradient into the array of the same name in {@code sums}
         * (an earlier call's result; a name not there is put there). This default adds the arrays
         * {@link #backpropagate} returns; an engine that can add in place saves an array the size of the
         * parameters per micro-batch.
         */
        default void backpropagateInto(Batch batch, List<INDArray> gradients, double gradLogScale,
                                       Map<String, INDArray> sums) {
            addInto(sums, backpropagate(batch, gradients, gradLogScale));
        }
    }

    /** Adds each of {@code gradients} into the array of the same name in {@code sums} (or puts it there). */
    static void addInto(Map<String, INDArray> sums, Map<String, INDArray> gradients) {
        gradients.forEach((name, a) -> {
            INDArray acc = sums.get(name);
            if (acc == null) {
                sums.put(name, a);
            } else {
                acc.addi(a);
                if (a.closeable()) {
                    a.close();
                }
            }
        });
    }

    /** Representations [rows, d] in modality order and log(s). */
    public record Encoded(List<INDArray> representations, double logScale) {
    }

    private final Phases model;
    private final EagerLoss loss;
    private final int microRows;

    /**
     * @param model     the model's phases
     * @param loss      the objective over the whole batch
     * @param microRows N, the rows encoded at once (≥ 1)
     */
    public GradientCache(Phases model, EagerLoss loss, int microRows) {
        if (microRows < 1) {
            throw new IllegalArgumentException("--micro_batch_sz: expected >= 1, got " + microRows);
        }
        this.model = model;
        this.loss = loss;
        this.microRows = microRows;
    }

    /** N, the rows encoded at once. */
    public int microRows() {
        return microRows;
    }

    /** The row ranges [from, to) of a batch's micro-batches: ⌈rows/N⌉ of them, sizes differing by at most one. */
    public static long[][] split(long rows, int microRows) {
        int k = (int) ((rows + microRows - 1) / microRows);
        long[][] out = new long[k][];
        long from = 0;
        for (int i = 0; i < k; i++) {
            long size = rows / k + (i < rows % k ? 1 : 0);
            out[i] = new long[] {from, from + size};
            from += size;
        }
        return out;
    }

    /**
     * The whole batch's loss and parameter gradients (the sum over micro-batches of phase 3's), with running
     * statistics moved once per micro-batch; empty gradients when the loss is not finite (then nothing moved).
     */
    public TrainableModel.Gradients gradients(Batch batch, Permutations negatives) {
        Encoded whole = encode(batch, true);
        LossGradients lg = loss(whole, negatives);
        close(whole.representations());
        if (!Double.isFinite(lg.loss())) {
            return new TrainableModel.Gradients(lg.loss(), Map.of());
        }
        return new TrainableModel.Gradients(lg.loss(), backpropagate(batch, lg.gradients(), lg.gradLogScale()));
    }

    /** Phase 2: the loss over the representations and its gradients (valid until the next call). */
    public LossGradients loss(Encoded whole, Permutations negatives) {
        return loss.compute(whole.representations(), whole.logScale(), negatives);
    }

    /**
     * Phase 3 over a batch's micro-batches: the parameter gradients of Σ_m ⟨r_m, G_m⟩ + g·log(s), summed, running
     * statistics moved once per micro-batch.
     *
     * @param gradients    G_m [rows, d] for the batch's rows, in modality order
     * @param gradLogScale the batch's share of ∂L/∂log(s) (given with its first micro-batch)
     */
    public Map<String, INDArray> backpropagate(Batch batch, List<INDArray> gradients, double gradLogScale) {
        long[][] parts = split(batch.rows(), microRows);
        Map<String, INDArray> sum = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            long from = parts[i][0];
            long to = parts[i][1];
            List<INDArray> slice = new ArrayList<>();
            for (INDArray g : gradients) {
                slice.add(g.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
            }
            if (i == 0) {
                sum.putAll(model.backpropagate(batch.slice(from, to), slice, gradLogScale));
            } else {
                model.backpropagateInto(batch.slice(from, to), slice, 0.0, sum);
            }
        }
        return sum;
    }

    /** The whole batch's loss in evaluation mode, encoded a micro-batch at a time. */
    public double value(Batch batch, Permutations negatives) {
        Encoded whole = encode(batch, false);
        double v = loss.value(whole.representations(), whole.logScale(), negatives);
        close(whole.representations());
        return v;
    }

    /** Phase 1 (training mode) or evaluation: the batch's representations, a micro-batch at a time. */
    public Encoded encode(Batch batch, boolean training) {
        return encode(model, batch, split(batch.rows(), microRows), training);
    }

    private static Encoded encode(Phases model, Batch batch, long[][] parts, boolean training) {
        if (parts.length == 1) {
            return model.encode(batch, training);
        }
        List<List<INDArray>> byModality = new ArrayList<>();
        double logScale = Double.NaN;
        for (long[] p : parts) {
            Encoded e = model.encode(batch.slice(p[0], p[1]), training);
            logScale = e.logScale();
            for (int m = 0; m < e.representations().size(); m++) {
                if (byModality.size() <= m) {
                    byModality.add(new ArrayList<>());
                }
                byModality.get(m).add(e.representations().get(m));
            }
        }
        List<INDArray> reps = new ArrayList<>();
        for (List<INDArray> parts1 : byModality) {
            reps.add(Nd4j.concat(0, parts1.toArray(new INDArray[0])));
            close(parts1);
        }
        return new Encoded(reps, logScale);
    }

    private static void close(List<INDArray> arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }
}
