package org.symile.app.experiments.m3;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.run.Encodings;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.samediff.ZeroShot;

/**
 * Symile-M3's zero-shot image retrieval on one encoded split (spec §5.6–5.8): every fully observed row queries the
 * bank of all fully observed images with its audio and text; correct when the best image has the query's class
 * (the first maximum wins ties). With a resample, bank and queries are two independent with-replacement
 * resamples, as upstream's bootstrap.
 */
final class M3Retrieval implements Encodings {
    private final List<INDArray> audio;
    private final List<INDArray> image;
    private final List<INDArray> text;
    private final List<Long> cls;
    private final ZeroShot.Score score;
    private final double scale;
    private final int chunk;

    M3Retrieval(List<INDArray> audio, List<INDArray> image, List<INDArray> text, List<Long> cls,
                        ZeroShot.Score score, double scale, int chunk) {
        this.audio = audio;
        this.image = image;
        this.text = text;
        this.cls = cls;
        this.score = score;
        this.scale = scale;
        this.chunk = chunk;
    }

    /** Encodes the fully observed rows of {@code batches}; {@code chunk} bounds the scoring matrices. */
    static M3Retrieval encode(M3Model model, BatchSource batches, ZeroShot.Score score, int chunk) {
        List<INDArray> audio = new ArrayList<>();
        List<INDArray> image = new ArrayList<>();
        List<INDArray> text = new ArrayList<>();
        List<Long> cls = new ArrayList<>();
        for (Iterator<Batch> it = batches.epoch(null); it.hasNext(); ) {
            Batch b = it.next();
            Map<String, INDArray> out = model.encode(b);
            float[] obs = b.get("all_observed").toFloatVector();
            long[] c = b.get("cls").toLongVector();
            for (int r = 0; r < obs.length; r++) {
                if (obs[r] > 0.5f) {
                    audio.add(out.get("r_audio").getRow(r).dup());
                    image.add(out.get("r_image").getRow(r).dup());
                    text.add(out.get("r_text").getRow(r).dup());
                    cls.add(c[r]);
                }
            }
        }
        return new M3Retrieval(audio, image, text, cls, score, model.logitScale(), Math.max(chunk, 1));
    }

    /** Queries scored: the fully observed rows. */
    int size() {
        return cls.size();
    }

    @Override
    public double accuracy(RandomGenerator ties, RandomGenerator resample) {
        int n = cls.size();
        if (n == 0) {
            return Double.NaN;
        }
        int[] bankIdx = range(n, resample);
        int[] queryIdx = range(n, resample);
        INDArray bank = stack(image, bankIdx);
        INDArray qa = stack(audio, queryIdx);
        INDArray qt = stack(text, queryIdx);
        long[] pred = ZeroShot.argmax(score, bank, List.of(qa, qt), scale, chunk);
        long correct = 0;
        for (int q = 0; q < n; q++) {
            correct += cls.get(bankIdx[(int) pred[q]]).equals(cls.get(queryIdx[q])) ? 1 : 0;
        }
        return correct / (double) n;
    }

    private static int[] range(int n, RandomGenerator resample) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = resample == null ? i : resample.nextInt(n);
        }
        return idx;
    }

    private static INDArray stack(List<INDArray> rows, int[] idx) {
        INDArray[] sel = new INDArray[idx.length];
        for (int i = 0; i < idx.length; i++) {
            sel[i] = rows.get(idx[i]);
        }
        return Nd4j.vstack(sel);
    }
}
