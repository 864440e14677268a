package org.symile.samediff.inference;

import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.TupleObjectiveLoss;
import org.symile.samediff.ZeroShot;

/**
 * Scores of aligned tuples: row i of every modality's representations forms one candidate tuple.
 * <ul>
 *   <li>Symile: s · MIP(r_1,i, …, r_M,i) = s · Σ_k Π_m r_m,ik (the multilinear inner product, paper Eq. 1);</li>
 *   <li>CLIP: s · Σ_{m < m'} ⟨r_m,i, r_m',i⟩ (the pairwise sum upstream's zero-shot scoring uses);</li>
 *   <li>GRAM, TRIANGLE: −s · S(r_1,i, …, r_M,i), S the tuple's volume or area
 *   ({@link org.symile.samediff.TupleObjective}).</li>
 * </ul>
 * s is the learned logit scale, already exponentiated. These are the numbers {@link ZeroShot} ranks candidates
 * by: the score of query i with candidate j equals this score of the tuple (queries i, candidate j).
 */
public final class TupleScores {

    private TupleScores() {
    }

    /**
     * @param reps  M ≥ 2 representations [B, d], same B and d, modality order immaterial
     * @param scale s &gt; 0
     * @return [B] scores, in the representations' data type
     * @throws IllegalArgumentException for fewer than two modalities or mismatched shapes
     */
    public static INDArray of(ZeroShot.Score score, List<INDArray> reps, double scale) {
        Objects.requireNonNull(score, "score");
        if (reps == null || reps.size() < 2) {
            throw new IllegalArgumentException("tuple scores: expected at least 2 modalities, got "
                    + (reps == null ? 0 : reps.size()));
        }
        INDArray first = reps.get(0);
        for (int m = 0; m < reps.size(); m++) {
            INDArray r = reps.get(m);
            if (r.rank() != 2 || r.rows() != first.rows() || r.columns() != first.columns()) {
                throw new IllegalArgumentException("tuple scores: modality " + m + " has shape "
                        + java.util.Arrays.toString(r.shape()) + ", expected [" + first.rows() + ", "
                        + first.columns() + "] like modality 0");
            }
        }
        if (score.objective().isPresent()) {
            return TupleObjectiveLoss.tupleScores(score.objective().get(), reps, Math.log(scale));
        }
        if (score == ZeroShot.Score.SYMILE) {
            INDArray prod = first.dup();
            for (int m = 1; m < reps.size(); m++) {
                prod.muli(reps.get(m).castTo(prod.dataType()));
            }
            return prod.sum(1).muli(scale);
        }
        INDArray total = Nd4j.zeros(first.dataType(), first.rows());
        for (int i = 0; i < reps.size(); i++) {
            for (int j = i + 1; j < reps.size(); j++) {
                total.addi(reps.get(i).mul(reps.get(j).castTo(first.dataType())).sum(1));
            }
        }
        return total.muli(scale);
    }
}
