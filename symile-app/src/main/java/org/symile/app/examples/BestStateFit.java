package org.symile.app.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.dl4j.SymileLabels;
import org.symile.samediff.dl4j.SymileOutputLayer;

/**
 * The examples' training loop: DL4J's {@code fit} on shuffled minibatches with fresh O(N) negatives
 * ({@link SymileLabels}), the validation loss after every epoch, and at the end the parameters of the epoch with
 * the lowest validation loss restored.
 *
 * @param bestEpoch 1-based epoch whose state the network holds afterwards
 * @param valLosses validation loss after every epoch
 */
record BestStateFit(int bestEpoch, List<Double> valLosses) {

    /** Trains {@code g} (a network ending in a {@link SymileOutputLayer} over {@code modalities} inputs). */
    static BestStateFit run(ComputationGraph g, INDArray[] train, INDArray[] val, int modalities, int epochs,
                            int batchSz, long seed) {
        SymileLabels labels = new SymileLabels(modalities, NegativeSampling.N, new SplittableRandom(seed + 1));
        SymileLabels valLabels = new SymileLabels(modalities, NegativeSampling.N, new SplittableRandom(seed + 2));
        SplittableRandom shuffle = new SplittableRandom(seed + 3);
        int n = (int) train[0].rows();
        List<Double> losses = new ArrayList<>();
        INDArray best = null;
        int bestEpoch = 0;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            int[] order = XorBits.permutation(n, shuffle);
            for (int from = 0; from + batchSz <= n; from += batchSz) {
                int[] idx = java.util.Arrays.copyOfRange(order, from, from + batchSz);
                g.fit(new MultiDataSet(XorBits.rows(train, idx), new INDArray[] {labels.labels(batchSz)}));
            }
            double v = g.score(new MultiDataSet(val, new INDArray[] {valLabels.labels((int) val[0].rows())}));
            losses.add(v);
            if (v < bestLoss || best == null) {
                bestLoss = v;
                bestEpoch = epoch;
                best = g.params().dup();
            }
        }
        g.setParams(best);
        return new BestStateFit(bestEpoch, List.copyOf(losses));
    }

    /** exp(log s) of the network's Symile layer. */
    static double logitScale(ComputationGraph g) {
        return Math.exp(g.getParam("symile_" + SymileOutputLayer.LOGIT_SCALE).getDouble(0));
    }
}
