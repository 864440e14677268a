package org.symile.samediff;

import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Retrieval from a bank of candidates with the zero-shot scores of {@link ZeroShot} (Symile: s·MIP of the
 * candidate with the query modalities; CLIP: s times the sum of the pairwise dot products): the top k candidates
 * of every query, and the rank of a known correct candidate with recall@1/5/10 and mean rank. Candidates are
 * scored {@code chunk} at a time, so the [Q, C] score matrix is never held whole.
 *
 * <p>Ranks agree with {@link ZeroShot#argmax}: rank = 1 + the number of candidates scoring higher than the correct
 * one + the number of earlier candidates scoring the same (rank 1 exactly when argmax picks the correct one).
 */
public final class Retrieval {

    /**
     * The best k candidates of each query, best first (ties: lower index first).
     *
     * @param indices [Q][k] candidate rows
     * @param scores  [Q][k] their scores
     */
    public record TopK(long[][] indices, double[][] scores) {
    }

    /**
     * Ranking metrics over a labelled query set.
     *
     * @param meanRank mean of the 1-based ranks of the correct candidates
     */
    public record Metrics(int queries, double recallAt1, double recallAt5, double recallAt10, double meanRank) {
        /** Metrics of the given 1-based ranks. */
        public static Metrics of(long[] ranks) {
            if (ranks.length == 0) {
                throw new IllegalArgumentException("retrieval metrics: no queries");
            }
            double r1 = 0;
            double r5 = 0;
            double r10 = 0;
            double sum = 0;
            for (long r : ranks) {
                r1 += r <= 1 ? 1 : 0;
                r5 += r <= 5 ? 1 : 0;
                r10 += r <= 10 ? 1 : 0;
                sum += r;
            }
            int n = ranks.length;
            return new Metrics(n, r1 / n, r5 / n, r10 / n, sum / n);
        }
    }

    private Retrieval() {
    }

    /**
     * The top {@code k} candidates of every query.
     *
     * @param bank    candidates [C, d]
     * @param queries M−1 query modalities [Q, d]
     * @param scale   s (already exponentiated)
     * @param k       1 ≤ k (at most C are returned)
     */
    public static TopK topK(ZeroShot.Score score, INDArray bank, List<INDArray> queries, double scale, int k,
                            int chunk) {
        Objects.requireNonNull(score, "score");
        if (k < 1) {
            throw new IllegalArgumentException("top-k retrieval: expected k >= 1, got " + k);
        }
        checkChunk(chunk);
        long d = ZeroShot.checkArgs(bank, queries);
        ZeroShot.Query q = ZeroShot.Query.of(score, queries, d);
        int nq = (int) queries.get(0).rows();
        int kk = (int) Math.min(k, bank.rows());
        long[][] idx = new long[nq][kk];
        double[][] best = new double[nq][kk];
        int[] filled = new int[nq];
        scan(q, bank, scale, chunk, (c0, width, sc) -> {
            for (int i = 0; i < nq; i++) {
                for (int j = 0; j < width; j++) {
                    insert(idx[i], best[i], filled, i, c0 + j, sc[i * width + j]);
                }
            }
        });
        return new TopK(idx, best);
    }

    /**
     * The 1-based rank of each query's correct candidate {@code truth[i]} among all candidates.
     *
     * @throws IllegalArgumentException for a truth index outside the bank or a length that does not match
     */
    public static long[] ranks(ZeroShot.Score score, INDArray bank, List<INDArray> queries, long[] truth,
                               double scale, int chunk) {
        Objects.requireNonNull(score, "score");
        checkChunk(chunk);
        long d = ZeroShot.checkArgs(bank, queries);
        int nq = (int) queries.get(0).rows();
        if (truth.length != nq) {
            throw new IllegalArgumentException("retrieval: " + truth.length + " correct indices for " + nq
                    + " queries");
        }
        for (long t : truth) {
            if (t < 0 || t >= bank.rows()) {
                throw new IllegalArgumentException("retrieval: correct index " + t + " outside the bank of "
                        + bank.rows() + " candidates");
            }
        }
        ZeroShot.Query q = ZeroShot.Query.of(score, queries, d);
        double[] trueScore = new double[nq];
        // pass 1: the correct candidates' scores, computed exactly as pass 2 computes every score
        scan(q, bank, scale, chunk, (c0, width, sc) -> {
            for (int i = 0; i < nq; i++) {
                if (truth[i] >= c0 && truth[i] < c0 + width) {
                    trueScore[i] = sc[i * width + (int) (truth[i] - c0)];
                }
            }
        });
        long[] rank = new long[nq];
        java.util.Arrays.fill(rank, 1);
        scan(q, bank, scale, chunk, (c0, width, sc) -> {
            for (int i = 0; i < nq; i++) {
                double t = trueScore[i];
                for (int j = 0; j < width; j++) {
                    double v = sc[i * width + j];
                    if (v > t || (v == t && c0 + j < truth[i]) || (Double.isNaN(t) && !Double.isNaN(v))) {
                        rank[i]++;
                    }
                }
            }
        });
        return rank;
    }

    /** recall@1/5/10 and mean rank of the correct candidates. */
    public static Metrics metrics(ZeroShot.Score score, INDArray bank, List<INDArray> queries, long[] truth,
                                  double scale, int chunk) {
        return Metrics.of(ranks(score, bank, queries, truth, scale, chunk));
    }

    private interface ChunkScores {
        /** Scores [Q, width] (row-major) of candidates c0 .. c0 + width − 1. */
        void accept(long c0, int width, double[] scores);
    }

    private static void scan(ZeroShot.Query q, INDArray bank, double scale, int chunk, ChunkScores sink) {
        long nc = bank.rows();
        for (long c0 = 0; c0 < nc; c0 += chunk) {
            long c1 = Math.min(nc, c0 + chunk);
            INDArray part = Rows.range(bank, c0, c1);
            double[] sc = q.score(part, scale).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            sink.accept(c0, (int) (c1 - c0), sc);
        }
    }

    /** Inserts (c, v) into a best-first list, lower index first among equal scores; NaN never enters. */
    private static void insert(long[] idx, double[] best, int[] filled, int row, long c, double v) {
        if (Double.isNaN(v)) {
            return;
        }
        int n = filled[row];
        int k = idx.length;
        if (n == k && !(v > best[k - 1])) {
            return;
        }
        int at = Math.min(n, k - 1);
        while (at > 0 && v > best[at - 1]) {
            if (at < k) {
                best[at] = best[at - 1];
                idx[at] = idx[at - 1];
            }
            at--;
        }
        best[at] = v;
        idx[at] = c;
        filled[row] = Math.min(k, n + 1);
    }

    private static void checkChunk(int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("retrieval chunk: expected >= 1, got " + chunk);
        }
    }
}
