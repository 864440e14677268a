package org.symile.samediff.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.LossGradients;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjectiveLoss;

/**
 * The runtime layer of a {@link SymileOutputLayer} in its default, eager form: the score and the input's and
 * log-scale's gradients come straight from the project's eager losses ({@link EagerLoss}: Symile O(N) and CLIP in
 * closed form, Symile O(N²) chunk by chunk, GRAM and TRIANGLE in theirs), with no SameDiff graph in between. DL4J
 * asks an output layer for its gradients first and its score afterwards, on the same input and labels; the loss of the backward pass is kept
 * and returned as the score, so a {@code fit} step computes the loss once (the graph form computes it twice: a
 * forward-and-backward session, then a forward one for the score).
 *
 * <p>With cached gradients the labels carry ∂L/∂input and ∂L/∂log(s) ({@link SymileOutputLayer#cachedLabels}), which
 * are returned as they are; the score is the graph form's, Σ input ⊙ G + log(s)·Σ g, over the minibatch size.
 *
 * <p>The parameter handling (the [1, 1] log-scale, its view into the network's flat parameters and gradients) is
 * DL4J's SameDiff output layer's, which this class extends, so the two forms are interchangeable in a network and
 * in its saved configuration.
 */
final class EagerLossLayer extends org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer {
    private transient EagerLoss loss;
    /** The loss of the last backward pass, valid for the input, labels and log-scale it was computed from. */
    private double lastLoss;
    private INDArray scoredInput;
    private INDArray scoredLabels;
    private double scoredLogScale;

    EagerLossLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SymileOutputLayer config() {
        return (SymileOutputLayer) layerConf();
    }

    private EagerLoss loss() {
        if (loss == null) {
            SymileOutputLayer c = config();
            TupleObjectiveLoss tuple = c.tupleLoss();
            loss = tuple != null ? tuple.eager() : "clip".equals(c.getLossFn())
                    ? EagerLoss.clip(c.getLabelSmoothing(), c.getAnchors()) : EagerLoss.symile(c.symileConfig());
        }
        return loss;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (labels == null) {
            throw new IllegalStateException("Symile output layer: labels are not set (see SymileLabels)");
        }
        SymileOutputLayer c = config();
        int m = c.getNumModalities();
        long d = c.getEmbeddingSize();
        checkInput(m, d);
        long rows = input.size(0);
        DataType dt = input.dataType();
        INDArray dLdIn = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, rows, m * d);
        INDArray gradScale = gradTable.get(SymileOutputLayer.LOGIT_SCALE);
        if (c.isCachedGradients()) {
            dLdIn.assign(labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, m * d)));
            gradScale.assign(labels.get(NDArrayIndex.all(), NDArrayIndex.interval(m * d, m * d + 1)).sumNumber());
            lastLoss = cachedObjective(m * d);
        } else {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                LossGradients g = loss().compute(representations(m, d), logScale(), permutations(m));
                // DL4J's output layers give the gradients of the summed score: rows × the batch mean's
                for (int k = 0; k < m; k++) {
                    dLdIn.get(NDArrayIndex.all(), NDArrayIndex.interval(k * d, (k + 1) * d))
                            .assign(g.gradients().get(k)).muli(rows);
                }
                gradScale.assign(g.gradLogScale() * rows);
                lastLoss = g.loss();
            }
        }
        scoredInput = input;
        scoredLabels = labels;
        scoredLogScale = logScale();
        Gradient out = new DefaultGradient();
        out.gradientForVariable().put(SymileOutputLayer.LOGIT_SCALE, gradScale);
        return new Pair<>(out, dLdIn);
    }

    /** The batch-mean loss plus the regularisation term over the minibatch size (what DL4J reports as the score). */
    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        long rows = input.size(0);
        if (input != scoredInput || labels != scoredLabels || logScale() != scoredLogScale) {
            SymileOutputLayer c = config();
            int m = c.getNumModalities();
            long d = c.getEmbeddingSize();
            checkInput(m, d);
            if (c.isCachedGradients()) {
                lastLoss = cachedObjective(m * d);
            } else {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    lastLoss = loss().value(representations(m, d), logScale(), permutations(m));
                }
            }
        }
        return lastLoss + fullNetRegTerm / rows;
    }

    @Override
    public void clear() {
        super.clear();
        scoredInput = null;
        scoredLabels = null;
    }

    /** The cached-gradients objective over the minibatch size, as the graph form scores it. */
    private double cachedObjective(long width) {
        INDArray g = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, width));
        double dot = input.castTo(DataType.DOUBLE).mul(g.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        double gs = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(width, width + 1)).sumNumber().doubleValue();
        return (dot + logScale() * gs) / input.size(0);
    }

    private void checkInput(int m, long d) {
        if (input.rank() != 2 || input.size(1) != m * d) {
            throw new IllegalArgumentException("Symile output layer: expected input [mb, " + m * d + "] (M " + m
                    + " x d " + d + "), got " + java.util.Arrays.toString(input.shape()));
        }
    }

    private double logScale() {
        return paramTable.get(SymileOutputLayer.LOGIT_SCALE).getDouble(0);
    }

    /** The M modalities' columns of the input, [mb, d] each (views; the losses copy what they need contiguous). */
    private List<INDArray> representations(int m, long d) {
        List<INDArray> reps = new ArrayList<>(m);
        for (int k = 0; k < m; k++) {
            reps.add(input.get(NDArrayIndex.all(), NDArrayIndex.interval(k * d, (k + 1) * d)));
        }
        return reps;
    }

    /** The O(N) permutations the labels carry (column a·(M−1)+k: non-anchor k of anchor a), or none. */
    private Permutations permutations(int m) {
        if (NegativeSampling.fromFlag(config().getNegativeSampling()) != NegativeSampling.N
                || !"symile".equals(config().getLossFn())) {
            return (a, k, b) -> {
                throw new IllegalStateException("no sampled negatives with this loss");
            };
        }
        int columns = m * (m - 1);
        if (labels.rank() != 2 || labels.size(1) < columns || labels.size(0) != input.size(0)) {
            throw new IllegalArgumentException("Symile output layer: O(N) labels must be [mb, >= " + columns
                    + "] with mb = " + input.size(0) + " (SymileLabels), got " + java.util.Arrays.toString(
                    labels.shape()));
        }
        int[][] cols = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, columns)).transpose()
                .toIntMatrix();
        int[][][] perms = new int[m][m - 1][];
        for (int a = 0; a < m; a++) {
            for (int k = 0; k < m - 1; k++) {
                perms[a][k] = cols[a * (m - 1) + k];
            }
        }
        return Permutations.fixed(perms);
    }
}
