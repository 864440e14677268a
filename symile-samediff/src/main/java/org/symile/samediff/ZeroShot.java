package org.symile.samediff;

import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Zero-shot retrieval scores (upstream §1.7), eager ND4J, no graph.
 *
 * <p>Given the representations of M-1 query modalities q_1..q_{M-1} (each [Q, d]) and a bank of candidate
 * representations of the missing modality ([C, d]), with s = exp(log s):
 * <pre>
 *   SYMILE: score[q, c] = s · MIP(q_1[q], …, q_{M-1}[q], cand[c]) = s · ((q_1 ⊙ … ⊙ q_{M-1}) candᵀ)[q, c]
 *   CLIP:   score[q, c] = s · (Σ of all pairwise dot products of the tuple (q_1[q], …, q_{M-1}[q], cand[c]))
 *   GRAM, TRIANGLE: score[q, c] = −s · S(cand[c], q_1[q], …, q_{M-1}[q]), S the tuple's volume or area
 *                   ({@link TupleObjective}; smaller is better aligned, so the sign makes the best the largest)
 * </pre>
 * The CLIP query-only terms do not depend on the candidate (they cannot change an argmax) but are included, as
 * upstream does. The argmax variants walk the bank in chunks so a bank of any size never needs one [Q, C]
 * matrix.
 */
public final class ZeroShot {
    /** Default number of candidates scored at once by the chunked methods. */
    public static final int DEFAULT_CHUNK = 8192;

    /** Which score to use; the flag values are upstream's {@code --loss_fn} values. */
    public enum Score {
        SYMILE("symile"),
        CLIP("clip"),
        GRAM("gram"),
        TRIANGLE("triangle");

        private final String flag;

        Score(String flag) {
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }

        /** The tuple objective this score ranks by, if it is one (GRAM, TRIANGLE). */
        public java.util.Optional<TupleObjective> objective() {
            return TupleObjective.ofFlag(flag);
        }

        /** Parses {@code symile}, {@code clip}, {@code gram} or {@code triangle}. */
        public static Score fromFlag(String v) {
            for (Score s : values()) {
                if (s.flag.equalsIgnoreCase(v == null ? "" : v.trim())) {
                    return s;
                }
            }
            throw new IllegalArgumentException("loss_fn: expected one of symile, clip, gram, triangle, got '" + v
                    + "'");
        }
    }

    private ZeroShot() {
    }

    /**
     * All scores at once: [C, d] candidates, M-1 queries [Q, d] -> [Q, C].
     *
     * @param scale s (already exponentiated)
     */
    public static INDArray scores(Score score, INDArray candidates, List<INDArray> queries, double scale) {
        Objects.requireNonNull(score, "score");
        long d = checkArgs(candidates, queries);
        Query q = Query.of(score, queries, d);
        return q.score(candidates, scale);
    }

    /**
     * Index of the best candidate for every query, first index winning ties (like {@code torch.argmax});
     * scores are computed {@code chunk} candidates at a time.
     */
    public static long[] argmax(Score score, INDArray candidates, List<INDArray> queries, double scale, int chunk) {
        Objects.requireNonNull(score, "score");
        if (chunk < 1) {
            throw new IllegalArgumentException("zero-shot chunk: expected >= 1, got " + chunk);
        }
        long d = checkArgs(candidates, queries);
        Query q = Query.of(score, queries, d);
        long nq = queries.get(0).rows();
        long nc = candidates.rows();
        long[] best = new long[(int) nq];
        double[] bestScore = new double[(int) nq];
        java.util.Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(best, -1);
        for (long c0 = 0; c0 < nc; c0 += chunk) {
            long c1 = Math.min(nc, c0 + chunk);
            INDArray part = Rows.range(candidates, c0, c1);
            // one bulk copy: toDoubleMatrix() copies row by row, which cost more than the scoring at binary_xor's size
            double[] sc = q.score(part, scale).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            int width = (int) (c1 - c0);
            for (int i = 0; i < nq; i++) {
                int at = i * width;
                for (int j = 0; j < width; j++) {
                    double v = sc[at + j];
                    // strictly greater keeps the first maximum; NaN never wins
                    if (v > bestScore[i] || (best[i] < 0 && !Double.isNaN(v))) {
                        bestScore[i] = v;
                        best[i] = c0 + j;
                    }
                }
            }
        }
        return best;
    }

    static long checkArgs(INDArray candidates, List<INDArray> queries) {
        if (queries == null || queries.isEmpty()) {
            throw new IllegalArgumentException("zero-shot queries: expected at least one query modality, got none");
        }
        Shapes.checkMatrix(candidates, -1, "zero-shot candidates");
        long d = candidates.columns();
        long nq = -1;
        for (int k = 0; k < queries.size(); k++) {
            INDArray q = queries.get(k);
            Shapes.checkMatrix(q, d, "zero-shot query " + k + " (candidates have width " + d + ")");
            if (nq >= 0 && q.rows() != nq) {
                throw new IllegalArgumentException("zero-shot queries: all query modalities need the same number of"
                        + " rows; query 0 has " + nq + ", query " + k + " has " + q.rows());
            }
            nq = q.rows();
        }
        return d;
    }

    /**
     * The query side of a score, precomputed once: the product (Symile), the sum and pairwise term (CLIP), or the
     * query tuples themselves (GRAM, TRIANGLE, whose scores are no linear function of the candidate).
     */
    record Query(Score score, INDArray vector, INDArray constant, List<INDArray> tuple) {
        static Query of(Score score, List<INDArray> queries, long d) {
            if (score.objective().isPresent()) {
                score.objective().get().checkModalities(queries.size() + 1);
                // converted once here, not for every chunk of candidates
                List<INDArray> tuple = new java.util.ArrayList<>();
                for (INDArray r : queries) {
                    tuple.add(Shapes.contiguous(r.castTo(DataType.DOUBLE)));
                }
                return new Query(score, null, null, List.copyOf(tuple));
            }
            if (score == Score.SYMILE) {
                INDArray prod = queries.get(0).dup();
                for (int k = 1; k < queries.size(); k++) {
                    prod.muli(queries.get(k));
                }
                return new Query(score, prod, null, null);
            }
            INDArray sum = queries.get(0).dup();
            INDArray pairs = null;
            for (int k = 1; k < queries.size(); k++) {
                INDArray dots = sum.mul(queries.get(k)).sum(true, 1);
                pairs = pairs == null ? dots : pairs.addi(dots);
                sum.addi(queries.get(k));
            }
            if (pairs == null) {
                pairs = sum.mul(0).sum(true, 1);
            }
            return new Query(score, sum, pairs, null);
        }

        /** Scores of every query against candidates [C, d]: [Q, C]. */
        INDArray score(INDArray candidates, double scale) {
            if (tuple != null) {
                return TupleObjectiveLoss.zeroShotScores(score.objective().get(), candidates, tuple, Math.log(scale));
            }
            INDArray out = vector.mmul(candidates.transpose());
            if (constant != null) {
                out.addiColumnVector(constant);
            }
            return out.muli(scale);
        }
    }
}
