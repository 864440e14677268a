package org.symile.samediff;

import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss graph with no inputs of its own (CLIP, GRAM, TRIANGLE): {@link #feed} only checks the batch size.
 *
 * @param loss the scalar loss
 * @param what the loss's name in messages, e.g. "CLIP loss"
 */
record PlainLossGraph(SDVariable loss, String what) implements LossGraph {

    @Override
    public List<String> placeholders() {
        return List.of();
    }

    @Override
    public void feed(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        if (batchSize < 1) {
            throw new IllegalArgumentException(what + ": batch size must be >= 1, got " + batchSize);
        }
    }
}
