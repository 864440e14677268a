package org.symile.samediff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Symile with O(N) negatives (upstream §1.3) for M modalities.
 *
 * <p>Per anchor x with non-anchors n_1..n_{M-1} and row permutations p_1..p_{M-1}:
 * <pre>
 *   Q  = n_1[p_1] ⊙ … ⊙ n_{M-1}[p_{M-1}]                [B,d]
 *   Z  = S ⊙ (x Qᵀ + I ⊙ ((pos − rowdot(x, Q)) 1ᵀ))       [B,B]: positive MIP on the diagonal
 *   ce = −mean_i diagPart(logSoftmax(Z))
 * </pre>
 * with S = (s·1) 1ᵀ the scale as a [B,B] matrix (the diagonal of x Qᵀ is rowdot(x, Q), so the correction is
 * computed on [B] vectors). The outer products keep both operands of every multiply the same shape: libnd4j's
 * multiply backward expands a broadcast operand element by element, which cost more than the loss itself.
 * Row gathers are written as scatter-adds into zeros with the inverse permutation (exact gradients; see
 * {@link GraphMath#scatterRows}). The inverse permutations are placeholders filled by {@link #feed}, or, when the
 * graph's only extra input is one [B, M(M-1)] array of raw permutations (a DL4J layer's labels), derived in the
 * graph with {@code invertPermutation}. The diagonal is replaced arithmetically with an identity matrix that is an
 * input too (cached per batch size): on M2.1 {@code matrix_set_diag} crashed the JVM (SIGSEGV) inside a DL4J
 * layer, and building the identity in the graph ({@code eye}, {@code diag}, {@code eq(range, range)}) leaks
 * native memory on every execution.
 */
final class SymileNGraph implements LossGraph {
    private final int m;
    private final String[][] invNames;
    private final List<String> placeholders;
    private final boolean external;
    private final String eyeName;
    private final DataType dtype;
    private INDArray eye;
    private final SDVariable loss;

    /**
     * @param permutationInput null to take the inverse permutations and the identity as placeholders fed by
     *                         {@link #feed}; otherwise a [B, M(M-1)] input whose column a·(M-1)+k holds
     *                         permutation p_k of anchor a
     * @param identityInput    with {@code permutationInput}: a [B, B] identity matrix input
     */
    SymileNGraph(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale, SDVariable permutationInput,
                 SDVariable identityInput) {
        this.m = reps.size();
        this.invNames = new String[m][m - 1];
        this.external = permutationInput != null;
        this.dtype = reps.get(0).dataType();
        List<String> ph = new ArrayList<>();
        SDVariable pos = GraphMath.mip(reps);
        SDVariable eye;
        if (external) {
            eyeName = null;
            eye = identityInput.castTo(dtype);
        } else {
            eyeName = name + "_eye";
            eye = sd.placeHolder(eyeName, dtype, -1, -1);
            ph.add(eyeName);
        }
        // libnd4j's multiply_bp tiles a broadcast operand to the full shape element by element, which costs more
        // than the rest of the loss; so every multiply here has equal shapes: the scale enters as a [B, B] matrix
        // built by an outer product of ones taken off the identity (no gradient flows into them)
        SDVariable onesRow = eye.sum(true, 0);
        SDVariable onesCol = eye.sum(true, 1);
        SDVariable scaleFull = sd.mmul(onesCol.mul(scale.scale()), onesRow); // tiles the scalar to [B, 1] only
        SDVariable total = null;
        for (int a = 0; a < m; a++) {
            List<SDVariable> non = new ArrayList<>(reps);
            SDVariable x = non.remove(a);
            SDVariable q = null;
            for (int k = 0; k < m - 1; k++) {
                SDVariable inv;
                if (external) {
                    SDVariable p = permutationInput.get(SDIndex.all(), SDIndex.point(a * (m - 1) + k))
                            .castTo(DataType.INT32);
                    inv = sd.invertPermutation(p);
                } else {
                    invNames[a][k] = name + "_inv" + a + "_" + k;
                    inv = sd.placeHolder(invNames[a][k], DataType.INT32, -1);
                    ph.add(invNames[a][k]);
                }
                SDVariable shuffled = GraphMath.scatterRows(sd, non.get(k), inv);
                q = q == null ? shuffled : q.mul(shuffled);
            }
            SDVariable raw = sd.mmul(x, q, false, true, false);
            SDVariable correction = pos.sub(x.mul(q).sum(true, 1));
            SDVariable logits = raw.add(eye.mul(sd.mmul(correction, onesRow))).mul(scaleFull);
            SDVariable ce = sd.math.diagPart(sd.nn.logSoftmax(logits)).mean();
            total = total == null ? ce : total.add(ce);
        }
        this.loss = total.div(name, -m);
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
    public void feed(SameDiff sd, Map<String, INDArray> feed, int batchSize, Permutations permutations) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("Symile loss: batch size must be >= 2 for negatives, got " + batchSize);
        }
        if (external) {
            return;
        }
        if (eye == null || eye.rows() != batchSize) {
            eye = Nd4j.eye(batchSize).castTo(dtype);
        }
        feed.put(eyeName, eye);
        for (int a = 0; a < m; a++) {
            for (int k = 0; k < m - 1; k++) {
                int[] p = permutations.next(a, k, batchSize);
                Permutations.check(p, batchSize, "permutation for anchor " + a + ", non-anchor " + k);
                // scatter index: out[inv[r]] = n[r], i.e. out[j] = n[p[j]]
                int[] inv = new int[batchSize];
                for (int j = 0; j < batchSize; j++) {
                    inv[p[j]] = j;
                }
                feed.put(invNames[a][k], Nd4j.createFromArray(inv));
            }
        }
    }
}
