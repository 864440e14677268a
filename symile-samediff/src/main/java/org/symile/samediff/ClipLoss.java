package org.symile.samediff;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pairwise CLIP baseline (upstream §1.6): symmetric InfoNCE summed over every pair of modalities, with one
 * shared scale s.
 * <pre>
 *   infonce(u, v) = ( CE(s·u vᵀ, t) + CE(s·v uᵀ, t) ) / 2,   t = [0..B-1]     [B,d] x [B,d] -> []
 *   clip(r_1..r_M) = Σ_{a&lt;b} infonce(r_a, r_b)
 * </pre>
 * The pairs are summed, not averaged (upstream's code, against its docstring), so for M = 3 this loss is on a
 * 3× larger scale than Symile's anchor mean. CE is written as −mean(diagPart(logSoftmax(·))), whose SameDiff
 * gradient is exact. Negative sampling does not apply.
 */
public final class ClipLoss {
    /** Widths below this are scaled before the product (typical batches are larger than such widths). */
    static final long NARROW_WIDTH = 128;

    /**
     * Builds the loss into {@code sd}; the returned graph needs no feeding.
     *
     * @param name  name of the loss variable
     * @param reps  M ≥ 2 representation variables [B, d]
     * @param scale the shared logit scale
     */
    public LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale) {
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(scale, "scale");
        GraphMath.checkReps(reps, "CLIP loss");
        SDVariable s = scale.scale();
        long width = reps.get(0).getShape() == null ? -1 : reps.get(0).getShape()[1];
        boolean narrow = width > 0 && width < NARROW_WIDTH;
        SDVariable total = null;
        for (int a = 0; a < reps.size(); a++) {
            for (int b = a + 1; b < reps.size(); b++) {
                // libnd4j's multiply_bp tiles a broadcast scalar to the full shape element by element, so the
                // scale goes on the smaller array: the [B, d] operand for narrow representations, else the logits
                SDVariable logits = narrow ? sd.mmul(reps.get(a).mul(s), reps.get(b), false, true, false)
                        : sd.mmul(reps.get(a), reps.get(b), false, true, false).mul(s);
                SDVariable ab = sd.math.diagPart(sd.nn.logSoftmax(logits)).mean();
                SDVariable ba = sd.math.diagPart(sd.nn.logSoftmax(sd.transpose(logits))).mean();
                SDVariable pair = ab.add(ba);
                total = total == null ? pair : total.add(pair);
            }
        }
        SDVariable loss = total.mul(name, -0.5);
        return new LossGraph() {
            @Override
            public SDVariable loss() {
                return loss;
            }

            @Override
            public List<String> placeholders() {
                return List.of();
            }

            @Override
            public void feed(SameDiff g, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
                if (batchSize < 1) {
                    throw new IllegalArgumentException("CLIP loss: batch size must be >= 1, got " + batchSize);
                }
            }
        };
    }
}
