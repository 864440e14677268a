package org.symile.app.run;

import java.util.random.RandomGenerator;

/**
 * An evaluation set encoded once by a model: the representations of every query and candidate, so the accuracy
 * can be computed many times (bootstrap resamples) without running the encoders again.
 */
public interface Encodings {

    /**
     * Zero-shot retrieval accuracy.
     *
     * @param ties     draws among tied top scores where the experiment breaks ties at random (symile_mimic);
     *                 experiments where the first maximum wins ignore it
     * @param resample null to score every query once; else draws a with-replacement resample of the queries (and,
     *                 for symile_m3, independently of the candidate bank), as upstream's bootstrap
     */
    double accuracy(RandomGenerator ties, RandomGenerator resample);

    /**
     * Further retrieval metrics of the whole set (no resample), e.g. {@code recall_at_5} or {@code mean_rank};
     * empty where the experiment reports accuracy alone.
     */
    default java.util.Map<String, Double> retrievalMetrics() {
        return java.util.Map.of();
    }
}
