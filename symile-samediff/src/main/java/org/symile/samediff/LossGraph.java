package org.symile.samediff;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A contrastive loss built into a {@link SameDiff} graph by {@link SymileLoss} or {@link ClipLoss}.
 *
 * <p>Some losses own placeholders: the O(N) Symile loss takes its negative-sampling permutations as graph
 * inputs (so runs are reproducible and tests can inject permutations), and the memory-lean O(N²) loss takes its
 * precomputed gradients. Before every execution of the graph ({@code output} or {@code calculateGradients}) call
 * {@link #feed} with the caller's own placeholders; it adds this loss's entries to that map.
 */
public interface LossGraph {

    /** The scalar loss, shape []. */
    SDVariable loss();

    /** Names of the placeholders this loss owns (empty for losses that need no feeding). */
    List<String> placeholders();

    /**
     * Adds this loss's placeholder values for one batch.
     *
     * @param sd           the graph the loss was built into
     * @param feed         the caller's placeholder values for this batch; entries are added to it
     * @param batchSize    number of rows B in this batch
     * @param permutations source of the O(N) row permutations (ignored by deterministic losses)
     * @throws IllegalArgumentException if {@code batchSize} is below 2 or a permutation is malformed
     */
    void feed(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations);

    /**
     * The loss value for one batch when no gradients are wanted (validation, evaluation). The default feeds this
     * loss's placeholders and executes the graph to the loss; losses computed eagerly (closed form, memory-lean)
     * return their value directly, without the gradient products or a second pass through the graph.
     *
     * @param feed the caller's placeholder values for this batch; not modified
     */
    default double value(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        Map<String, INDArray> all = new java.util.HashMap<>(feed);
        feed(sd, all, batchSize, permutations);
        String name = loss().name();
        INDArray out = sd.output(all, name).get(name);
        double v = out.getDouble(0);
        if (out.closeable()) {
            out.close();
        }
        return v;
    }
}
