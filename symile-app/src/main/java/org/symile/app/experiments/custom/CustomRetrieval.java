package org.symile.app.experiments.custom;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.run.Encodings;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.data.custom.CustomLayout;
import org.symile.samediff.Retrieval;
import org.symile.samediff.ZeroShot;

/**
 * Zero-shot retrieval of the target modality on one encoded split: the split is cut into blocks of
 * {@code --batch_sz_test} consecutive rows (the last may be shorter); in each block every row with all modalities
 * present queries with its other modalities' representations, and its candidates are the target representations
 * of the block's rows whose target is present, its own among them. Ranks follow {@link Retrieval#ranks} (a tie
 * goes to the earlier candidate); accuracy is recall@1. A bootstrap resample draws the queries' ranks with
 * replacement.
 */
final class CustomRetrieval implements Encodings {
    private final long[] ranks;

    private CustomRetrieval(long[] ranks) {
        this.ranks = ranks;
    }

    /**
     * Encodes {@code batches} (model inputs, blocks of the split in stored order) and ranks every query.
     *
     * @param target the target modality's index in the architecture
     */
    static CustomRetrieval encode(CustomModel model, BatchSource batches, ZeroShot.Score score, int target) {
        CustomArchitecture a = model.architecture();
        List<Long> all = new ArrayList<>();
        for (Iterator<Batch> it = batches.epoch(null); it.hasNext(); ) {
            Batch b = it.next();
            Map<String, INDArray> reps = model.encode(b);
            boolean[][] absent = new boolean[a.encoders().size()][];
            for (int m = 0; m < absent.length; m++) {
                CustomArchitecture.Encoder e = a.encoders().get(m);
                absent[m] = new boolean[b.rows()];
                if (e.missing()) {
                    double[] ind = b.get(CustomLayout.missingName(e.name())).toDoubleVector();
                    for (int r = 0; r < b.rows(); r++) {
                        absent[m][r] = ind[r] != 0;
                    }
                }
            }
            for (long rank : blockRanks(a, reps, absent, target, score, model.logitScale(), b.rows())) {
                all.add(rank);
            }
        }
        return new CustomRetrieval(all.stream().mapToLong(Long::longValue).toArray());
    }

    private static long[] blockRanks(CustomArchitecture a, Map<String, INDArray> reps, boolean[][] absent,
                                     int target, ZeroShot.Score score, double scale, int rows) {
        List<Integer> candidates = new ArrayList<>();
        List<Integer> queries = new ArrayList<>();
        List<Long> truth = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            if (absent[target][r]) {
                continue;
            }
            candidates.add(r);
            boolean complete = true;
            for (boolean[] m : absent) {
                complete &= !m[r];
            }
            if (complete) {
                queries.add(r);
                truth.add((long) candidates.size() - 1);
            }
        }
        if (queries.isEmpty()) {
            return new long[0];
        }
        INDArray bank = Nd4j.pullRows(reps.get("r_" + a.encoders().get(target).name()), 1, ints(candidates));
        List<INDArray> q = new ArrayList<>();
        for (int m = 0; m < a.encoders().size(); m++) {
            if (m != target) {
                q.add(Nd4j.pullRows(reps.get("r_" + a.encoders().get(m).name()), 1, ints(queries)));
            }
        }
        long[] t = truth.stream().mapToLong(Long::longValue).toArray();
        return Retrieval.ranks(score, bank, q, t, scale, ZeroShot.DEFAULT_CHUNK);
    }

    private static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Queries ranked (rows with every modality present). */
    int queries() {
        return ranks.length;
    }

    @Override
    public double accuracy(RandomGenerator ties, RandomGenerator resample) {
        if (ranks.length == 0) {
            return Double.NaN;
        }
        long hits = 0;
        for (int i = 0; i < ranks.length; i++) {
            long r = resample == null ? ranks[i] : ranks[resample.nextInt(ranks.length)];
            hits += r == 1 ? 1 : 0;
        }
        return hits / (double) ranks.length;
    }

    /** recall@1, @5, @10 and the mean rank of the queries' own targets. */
    @Override
    public Map<String, Double> retrievalMetrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (ranks.length == 0) {
            return m;
        }
        Retrieval.Metrics r = Retrieval.Metrics.of(ranks);
        m.put("recall_at_1", r.recallAt1());
        m.put("recall_at_5", r.recallAt5());
        m.put("recall_at_10", r.recallAt10());
        m.put("mean_rank", r.meanRank());
        return m;
    }
}
