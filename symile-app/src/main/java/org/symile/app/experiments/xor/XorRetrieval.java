package org.symile.app.experiments.xor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.run.Encodings;
import org.symile.data.synthetic.BinaryXor;
import org.symile.samediff.ZeroShot;

/**
 * binary_xor's zero-shot task on one encoded set (spec §3.5): predict b from (a, c) over all 2^{d_v} candidates,
 * scored with the Symile MIP or the CLIP pairwise sum, argmax with the first maximum winning. Only whole batches
 * count (upstream's val and test loaders drop the rest). Encoded per batch, as upstream's test steps.
 */
final class XorRetrieval implements Encodings {
    private final INDArray candidates;
    private final List<INDArray[]> queries;
    private final List<long[]> truth;
    private final ZeroShot.Score score;
    private final double scale;

    private XorRetrieval(INDArray candidates, List<INDArray[]> queries, List<long[]> truth, ZeroShot.Score score,
                         double scale) {
        this.candidates = candidates;
        this.queries = queries;
        this.truth = truth;
        this.score = score;
        this.scale = scale;
    }

    /**
     * Encodes {@code data} (a, b, c: [n, d_v]) in batches of {@code batchSize} rows.
     *
     * @param flags the sample-count and batch-size flags, named in the error when no whole batch fits
     */
    static XorRetrieval encode(BinaryXorModel model, Map<String, INDArray> data, int batchSize, ZeroShot.Score score,
                               String... flags) {
        INDArray a = data.get("a");
        int dv = (int) a.columns();
        long rows = (a.rows() / batchSize) * (long) batchSize;
        if (rows == 0) {
            throw new IllegalArgumentException(flags[0] + ": " + a.rows() + " samples make no whole batch of "
                    + flags[1] + " " + batchSize);
        }
        INDArray cand = model.encodeB(BinaryXor.candidates(dv));
        List<INDArray[]> q = new ArrayList<>();
        List<long[]> t = new ArrayList<>();
        for (long r0 = 0; r0 < rows; r0 += batchSize) {
            var idx = NDArrayIndex.interval(r0, r0 + batchSize);
            var all = NDArrayIndex.all();
            Map<String, INDArray> out = model.encodeQueries(a.get(idx, all).dup(), data.get("c").get(idx, all).dup());
            q.add(new INDArray[] {out.get("r_a"), out.get("r_c")});
            t.add(BinaryXor.indices(data.get("b").get(idx, all)));
        }
        return new XorRetrieval(cand, q, t, score, model.logitScale());
    }

    /** Ties go to the first candidate and resampling does not apply (binary_xor draws fresh test sets). */
    @Override
    public double accuracy(RandomGenerator ties, RandomGenerator resample) {
        long correct = 0;
        long total = 0;
        for (int k = 0; k < queries.size(); k++) {
            long[] pred = ZeroShot.argmax(score, candidates, List.of(queries.get(k)), scale, ZeroShot.DEFAULT_CHUNK);
            long[] t = truth.get(k);
            for (int i = 0; i < pred.length; i++) {
                correct += pred[i] == t[i] ? 1 : 0;
            }
            total += pred.length;
        }
        return correct / (double) total;
    }
}
