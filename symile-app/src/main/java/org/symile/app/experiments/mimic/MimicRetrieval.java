package org.symile.app.experiments.mimic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.run.Encodings;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.data.mimic.MimicLayout;
import org.symile.data.mimic.MimicSplit;
import org.symile.samediff.ZeroShot;

/**
 * Zero-shot CXR retrieval on {@code val_retrieval} or {@code test} (spec §6.7): every positive row (label 1)
 * queries with its ECG and labs representations; its candidates are its own CXR (index 0, the answer) followed by
 * the CXRs of the negative rows whose {@code label_hadm_id} is its {@code hadm_id}, in stored order. Scores follow
 * spec §1.7; the prediction is drawn uniformly among tied maxima, as upstream; accuracy = correct / queries.
 */
public final class MimicRetrieval {
    private static final Logger LOG = LoggerFactory.getLogger(MimicRetrieval.class);

    private final int[] queries;
    private final int[][] candidates;

    private MimicRetrieval(int[] queries, int[][] candidates) {
        this.queries = queries;
        this.candidates = candidates;
    }

    /** Reads labels and admission ids of a retrieval split and groups the negatives by their query. */
    public static MimicRetrieval of(MimicSplit split, String file) {
        long[] label = longs(split.labels().read());
        long[] hadm = longs(split.hadmIds().read());
        long[] target = longs(split.labelHadmIds().read());
        Map<Long, List<Integer>> negatives = new HashMap<>();
        List<Integer> pos = new ArrayList<>();
        for (int r = 0; r < label.length; r++) {
            if (label[r] == 1) {
                pos.add(r);
            } else if (label[r] == 0) {
                negatives.computeIfAbsent(target[r], k -> new ArrayList<>()).add(r);
            } else {
                throw new IllegalArgumentException(file + ": " + MimicLayout.LABEL + " must be 0 or 1, row " + r
                        + " has " + label[r]);
            }
        }
        if (pos.isEmpty()) {
            throw new IllegalArgumentException(file + ": no query rows (" + MimicLayout.LABEL + " = 1)");
        }
        int[] q = pos.stream().mapToInt(Integer::intValue).toArray();
        int[][] cand = new int[q.length][];
        int unusual = 0;
        for (int i = 0; i < q.length; i++) {
            List<Integer> neg = negatives.getOrDefault(hadm[q[i]], List.of());
            cand[i] = new int[neg.size() + 1];
            cand[i][0] = q[i];
            for (int j = 0; j < neg.size(); j++) {
                cand[i][j + 1] = neg.get(j);
            }
            unusual += cand[i].length == MimicLayout.CANDIDATES ? 0 : 1;
        }
        if (unusual > 0) {
            LOG.warn("{}: {} of {} queries do not have {} candidates", file, unusual, q.length,
                    MimicLayout.CANDIDATES);
        }
        return new MimicRetrieval(q, cand);
    }

    private static long[] longs(INDArray a) {
        return a.castTo(DataType.LONG).reshape(a.length()).toLongVector();
    }

    public int queryCount() {
        return queries.length;
    }

    /** Representations of every row, in stored order: r_cxr, r_ecg, r_labs, each [n, d]. */
    public static INDArray[] encode(MimicModel model, BatchSource rows) {
        List<INDArray> c = new ArrayList<>();
        List<INDArray> e = new ArrayList<>();
        List<INDArray> l = new ArrayList<>();
        for (Iterator<Batch> it = rows.epoch(null); it.hasNext(); ) {
            Map<String, INDArray> out = model.encode(it.next());
            c.add(out.get("r_cxr").dup());
            e.add(out.get("r_ecg").dup());
            l.add(out.get("r_labs").dup());
        }
        return new INDArray[] {Nd4j.vstack(c), Nd4j.vstack(e), Nd4j.vstack(l)};
    }

    /** The split's rows encoded once by {@code model}, scored by {@link #accuracy} as often as asked. */
    public Encodings encodings(MimicModel model, BatchSource rows, ZeroShot.Score score) {
        INDArray[] reps = encode(model, rows);
        double scale = model.logitScale();
        return (ties, resample) -> accuracy(reps, score, scale, ties, resample);
    }

    /**
     * Accuracy from the representations {@link #encode} returned.
     *
     * @param ties     draws among tied maxima
     * @param resample null for every query once; else draws as many queries with replacement (MIMIC bootstrap)
     */
    public double accuracy(INDArray[] reps, ZeroShot.Score score, double scale, RandomGenerator ties,
                           RandomGenerator resample) {
        int correct = 0;
        int tied = 0;
        int[] tiedAt = new int[16];
        for (int i = 0; i < queries.length; i++) {
            int k = resample == null ? i : resample.nextInt(queries.length);
            int q = queries[k];
            int[] cand = candidates[k];
            INDArray bank = reps[0].getRows(cand);
            double[] s = ZeroShot.scores(score, bank, List.of(reps[1].getRows(q), reps[2].getRows(q)), scale)
                    .toDoubleVector();
            double best = Double.NEGATIVE_INFINITY;
            int count = 0;
            for (int j = 0; j < s.length; j++) {
                if (s[j] > best) {
                    best = s[j];
                    count = 0;
                }
                if (s[j] == best) {
                    if (count == tiedAt.length) {
                        tiedAt = java.util.Arrays.copyOf(tiedAt, 2 * count);
                    }
                    tiedAt[count++] = j;
                }
            }
            if (count == 0) {
                throw new IllegalStateException("retrieval scores are all NaN for query row " + q
                        + "; the model produced NaN representations");
            }
            tied += count > 1 ? 1 : 0;
            int pred = count == 1 ? tiedAt[0] : tiedAt[ties.nextInt(count)];
            correct += pred == 0 ? 1 : 0;
        }
        if (tied > 0) {
            LOG.warn("{} of {} retrieval queries had tied top scores; broken uniformly at random", tied,
                    queries.length);
        }
        return correct / (double) queries.length;
    }
}
