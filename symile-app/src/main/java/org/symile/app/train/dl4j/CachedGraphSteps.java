package org.symile.app.train.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.memory.NativeAllocator;
import org.symile.app.train.Batch;
import org.symile.app.train.GradientCache;
import org.symile.app.train.TrainableModel.Gradients;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.SymileOutputLayer;

/**
 * A {@link GraphModel}'s gradient-cached steps ({@code --micro_batch_sz}): its output layer is built with cached
 * gradients ({@link SymileOutputLayer.Builder#cachedGradients}), phase 1 is DL4J's workspace-backed forward pass in
 * training mode (batch statistics of the micro-batch, nothing kept, running statistics untouched), phase 3 DL4J's
 * backward pass with the micro-batch's slice of ∂L/∂r as the output layer's labels, after which the micro-batch's
 * running-statistics update is applied, so statistics move once per micro-batch. The loss over the whole batch is
 * eager: O(N) and CLIP in closed form, O(N²) chunk by chunk without the [B², d] product.
 */
final class CachedGraphSteps implements GradientCache.Phases {
    private final GraphModel model;
    private final ComputationGraph cg;
    private final GradientCache cache;
    /** Whether an inference pass ran since the last backward pass (its workspaces are still allocated). */
    private boolean encodedSinceBackprop;

    CachedGraphSteps(GraphModel model, EagerLoss loss, int microRows) {
        this.model = model;
        this.cg = model.graph();
        this.cache = new GradientCache(this, loss, microRows);
        if (!(cg.getOutputLayer(0).conf().getLayer() instanceof SymileOutputLayer l) || !l.isCachedGradients()) {
            throw new IllegalArgumentException("a micro-batched model's output layer must be a SymileOutputLayer"
                    + " built with cachedGradients(true)");
        }
    }

    GradientCache cache() {
        return cache;
    }

    @Override
    public GradientCache.Encoded encode(Batch batch, boolean training) {
        INDArray merged = cg.output(training, model.inputs(batch))[0];
        List<INDArray> reps = new ArrayList<>(model.modalities());
        long d = model.width();
        for (int m = 0; m < model.modalities(); m++) {
            reps.add(merged.get(NDArrayIndex.all(), NDArrayIndex.interval(m * d, (m + 1) * d)).dup());
        }
        if (merged.closeable()) {
            merged.close();
        }
        encodedSinceBackprop = true;
        return new GradientCache.Encoded(reps, Math.log(model.logitScale()));
    }

    @Override
    public Map<String, INDArray> backpropagate(Batch batch, List<INDArray> gradients, double gradLogScale) {
        INDArray flat = backpropagateFlat(batch, gradients, gradLogScale);
        Map<String, INDArray> result = new LinkedHashMap<>();
        result.put(GraphModel.FLAT_GRADIENT, flat.dup());
        model.releaseFreeMemoryAfter(batch.rows());
        return result;
    }

    @Override
    public void backpropagateInto(Batch batch, List<INDArray> gradients, double gradLogScale,
                                  Map<String, INDArray> sums) {
        INDArray flat = backpropagateFlat(batch, gradients, gradLogScale);
        INDArray sum = sums.get(GraphModel.FLAT_GRADIENT);
        if (sum == null) {
            sums.put(GraphModel.FLAT_GRADIENT, flat.dup());
        } else {
            sum.addi(flat);
        }
        model.releaseFreeMemoryAfter(batch.rows());
    }

    /**
     * The micro-batch's backward pass: running statistics moved, their gradient segments zeroed, and DL4J's
     * flattened gradient returned as a vector view (valid until the next pass). The activation-gradient workspaces
     * are freed before the caller copies or adds the gradient, so that the array of every parameter it may
     * allocate reuses their memory rather than adding to the pass's peak.
     */
    private INDArray backpropagateFlat(Batch batch, List<INDArray> gradients, double gradLogScale) {
        if (encodedSinceBackprop) {
            releaseInferenceMemory();
        }
        cg.setInputs(model.inputs(batch));
        cg.setLabels(SymileOutputLayer.cachedLabels(gradients, gradLogScale).castTo(cg.params().dataType()));
        cg.computeGradientAndScore();
        Gradient g = cg.gradient();
        INDArray flat = cg.getFlattenedGradients();
        for (String s : model.runningStats()) {
            model.params().get(s).subi(g.getGradientFor(s));
            model.segment(flat, s).assign(0);
        }
        cg.clearLayersStates();
        GraphModel.releaseGradientWorkspaces();
        return flat.reshape(flat.length());
    }

    /**
     * Frees what phase 1's inference passes left allocated before phase 3 needs its own: DL4J's inference
     * workspaces learn their sizes over the passes and keep them, each at the largest activation it held (the
     * Symile-MIMIC model with 128x128 images: ~170 MiB after ten micro-batches of 28), while the training pass
     * allocates its activations in workspaces of its own; the freed buffers are handed back to the kernel, since
     * the training workspace is larger than anything malloc can serve from them. Once per step, whatever
     * {@link org.symile.app.memory.FreeMemoryRelease} decides: phase 1 faults its pages in again in the next step.
     */
    private void releaseInferenceMemory() {
        GraphModel.releaseGradientWorkspaces();
        NativeAllocator.releaseFreeMemory();
        encodedSinceBackprop = false;
    }

    /** One cached step: running statistics moved per micro-batch, then one AdamW step on the summed gradient. */
    double trainStep(Batch batch, Permutations negatives, FlatAdamW optimizer) {
        Gradients g = cache.gradients(batch, negatives);
        if (g.arrays().isEmpty()) {
            return g.loss();
        }
        // the output layer's objective is already the batch-mean loss's: no division by the rows
        INDArray sum = g.arrays().get(GraphModel.FLAT_GRADIENT);
        optimizer.step(sum, 1);
        // the sum is as large as the parameters: left to the garbage collector, the next step's would be allocated
        // beside it
        if (sum.closeable()) {
            sum.close();
        }
        cg.getConfiguration().setIterationCount(cg.getIterationCount() + 1);
        return g.loss();
    }

    /**
     * The cached step's gradients without changing the model: its running-statistics moves over the micro-batches
     * are returned as one update per statistic (before − after) and undone.
     */
    Gradients gradients(Batch batch, Permutations negatives) {
        Map<String, INDArray> before = runningStatistics();
        Gradients g = cache.gradients(batch, negatives);
        return new Gradients(g.loss(), g.arrays().isEmpty() ? g.arrays() : undoMoves(before, g.arrays()));
    }

    /** A batch's share of the gradients of a loss computed elsewhere, as {@link #gradients}; nothing changed. */
    Map<String, INDArray> gradientsOf(Batch batch, List<INDArray> repGradients, double gradLogScale) {
        Map<String, INDArray> before = runningStatistics();
        return undoMoves(before, cache.backpropagate(batch, repGradients, gradLogScale));
    }

    private Map<String, INDArray> runningStatistics() {
        Map<String, INDArray> before = new LinkedHashMap<>();
        for (String s : model.runningStats()) {
            before.put(s, model.params().get(s).dup());
        }
        return before;
    }

    /** The flat gradient with the statistics' moves since {@code before} as updates; the moves undone. */
    private Map<String, INDArray> undoMoves(Map<String, INDArray> before, Map<String, INDArray> gradients) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String s : model.runningStats()) {
            INDArray stat = model.params().get(s);
            out.put(GraphModel.RUNNING_UPDATE + s, before.get(s).sub(stat).reshape(stat.length()));
        }
        out.put(GraphModel.FLAT_GRADIENT, gradients.get(GraphModel.FLAT_GRADIENT));
        before.forEach((s, a) -> model.params().get(s).assign(a));
        return out;
    }

    double evalLoss(Batch batch, Permutations negatives) {
        return cache.value(batch, negatives);
    }

    INDArray[] represent(Batch batch) {
        return cache.encode(batch, false).representations().toArray(new INDArray[0]);
    }
}
