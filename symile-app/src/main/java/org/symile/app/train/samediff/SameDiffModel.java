package org.symile.app.train.samediff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.memory.ReleasingMemory;
import org.symile.app.memory.WorkspaceMemory;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.GradientCache;
import org.symile.app.train.Optimizer;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.LossGraph;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SurrogateLossGraph;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjectiveLoss;

/**
 * A model that is one SameDiff graph: its encoders, the logit scale and the project's Symile or CLIP loss graph
 * (named "loss"), trained by {@link AdamW} on gradients from {@code calculateGradientsAndOutputs}. Subclasses
 * build the encoders in their constructor, then call {@link #finish}, and say how a batch feeds the graph.
 *
 * <p>With micro-batches ({@code --micro_batch_sz}, {@link #finish(List, long, LogitScale, LossSpec, LossForm, int)})
 * every step is gradient-cached ({@link GradientCache}): the loss is the surrogate of its eager form
 * ({@link SurrogateLossGraph}), phase 1 encodes each micro-batch in training mode without keeping activations
 * ({@link Feed#ENCODE}), phase 3 encodes it again with phase 1's random choices and back-propagates its slice of
 * the representation gradients ({@link Feed#BACKPROPAGATE}).
 */
public abstract class SameDiffModel implements TrainableModel, GradientCache.Phases {
    protected final SameDiff sd = SameDiff.create();
    private final WorkspaceMemory workspace = new WorkspaceMemory("symile_train_step");
    private final ReleasingMemory releasing = new ReleasingMemory();
    private LossGraph loss;
    private LogitScale scale;
    private List<String> trainable;
    private final List<String> fed = new ArrayList<>();
    private List<String> gradientsFor;
    private List<String> stepOutputs;
    private AdamW optimizer;
    /** Gradient caching: the loss graph as a surrogate and the step over micro-batches; null for plain steps. */
    private SurrogateLossGraph cachedLoss;
    private GradientCache cache;

    /**
     * Adds the loss the spec selects on top of the representations and records the variables to train: pairwise
     * CLIP, or Symile with its negative sampling and memory-lean mode.
     *
     * @param reps  the representations [B, d], in the experiment's modality order
     * @param width d (the representations are op outputs, whose width SameDiff does not know statically)
     * @param form  {@link LossForm#CLOSED_FORM} for cheap encoders whose steps the [B, B] logits dominate (it costs
     *              one extra forward pass of the encoders); applied to CLIP and O(N) Symile, the others keep
     *              their own forms
     */
    protected final void finish(List<SDVariable> reps, long width, LogitScale scale, LossSpec spec, LossForm form) {
        finish(reps, width, scale, spec, form, 0);
    }

    /**
     * The names of the modalities whose representations {@code finish} receives, in that order: what
     * {@code --anchors} names. Called from {@code finish}, so it must not depend on a subclass's fields.
     */
    protected abstract List<String> modalities();

    /**
     * {@link #finish(List, long, LogitScale, LossSpec, LossForm)}, gradient-cached when {@code microRows} > 0: the
     * loss over each whole batch in its eager form (O(N) and CLIP in closed form, O(N²) memory-lean), the encoders
     * run on at most {@code microRows} rows at a time.
     */
    protected final void finish(List<SDVariable> reps, long width, LogitScale scale, LossSpec spec, LossForm form,
                                int microRows) {
        this.scale = scale;
        TupleObjectiveLoss tuple = spec.lossFn().tupleObjective().isPresent() ? spec.tupleLoss(modalities()) : null;
        if (microRows > 0) {
            EagerLoss eager = spec.eagerLoss(modalities());
            this.cachedLoss = new SurrogateLossGraph(sd, "loss", List.copyOf(reps), scale, eager,
                    spec.lossFn().flag() + " loss");
            this.loss = cachedLoss;
            this.cache = new GradientCache(this, eager, microRows);
        } else if (tuple != null) {
            this.loss = tuple.withForm(form).build(sd, "loss", reps, scale);
        } else if (spec.lossFn() == LossFn.CLIP) {
            this.loss = spec.clipLoss(modalities()).withForm(form).build(sd, "loss", reps, scale);
        } else {
            SymileLoss.Config config = spec.symileConfig(modalities());
            if (config.negativeSampling() == NegativeSampling.N) {
                config = config.withForm(form);
            }
            this.loss = new SymileLoss(config).withWidth(width).build(sd, "loss", reps, scale);
        }
        sd.setLossVariables("loss");
        List<String> vars = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && !fed.contains(v.name())) {
                vars.add(v.name());
            }
        }
        this.trainable = List.copyOf(vars);
        List<String> withFed = new ArrayList<>(vars);
        withFed.addAll(fed);
        this.gradientsFor = List.copyOf(withFed);
        List<String> outs = new ArrayList<>();
        outs.add(loss.loss().name());
        outs.addAll(trainingOutputs());
        this.stepOutputs = List.copyOf(outs);
    }

    /** Why a batch feeds the graph. */
    protected enum Feed {
        /** Evaluation mode: no random choices, nothing kept. */
        EVALUATE,
        /** A plain training step: training mode, what the backward pass needs kept. */
        TRAIN,
        /** Phase 1 of a gradient-cached step: training mode (the step's random choices), nothing kept. */
        ENCODE,
        /** Phase 3 of a gradient-cached step: training mode with phase 1's random choices, kept for the backward. */
        BACKPROPAGATE;

        /** Whether the pass runs in training mode (random choices such as dropout applied). */
        public boolean training() {
            return this != EVALUATE;
        }

        /** Whether the pass keeps what a backward pass needs. */
        public boolean keep() {
            return this == TRAIN || this == BACKPROPAGATE;
        }
    }

    /**
     * Placeholder values for one batch. Random choices of training mode (dropout) must depend only on the step's
     * seed ({@link #beginStep}) and each row's index in the step's batch ({@link Batch#firstRow()}), so that phase 1
     * and phase 3 of a cached step, and a plain step of the same rows, make the same choices.
     */
    protected abstract Map<String, INDArray> placeholders(Batch batch, Feed feed);

    /**
     * Called before every training step's first pass ({@link #trainStep}, {@link #gradients}) with the step's
     * negatives, from which a model with random choices draws their seed ({@link Permutations#nextSeed()}).
     */
    protected void beginStep(Permutations negatives) {
    }

    /**
     * A graph input whose value the model computes outside the graph and sets before every execution (in
     * {@link #placeholders}), and whose gradient it needs: e.g. embedding rows looked up eagerly. A SameDiff
     * variable (placeholders get no gradients), but neither trained nor saved; its gradient reaches
     * {@link #externalGradients}. Call before {@link #finish}.
     */
    protected final SDVariable fedVariable(String name, DataType type, long... shape) {
        SDVariable v = sd.var(name, Nd4j.zeros(type, shape));
        fed.add(name);
        return v;
    }

    /**
     * Turns the gradients of the {@link #fedVariable fed variables} into gradients of trained variables, in place:
     * remove the former, put the latter (the map holds every trained variable's gradient from the graph).
     */
    protected void externalGradients(Batch batch, Map<String, INDArray> gradients) {
    }

    /** Graph outputs, besides the loss, to compute with every training step (e.g. batch statistics). */
    protected List<String> trainingOutputs() {
        return List.of();
    }

    /** Called after each optimizer step with the values of {@link #trainingOutputs()}. */
    protected void afterTrainingStep(Map<String, INDArray> outputs) {
    }

    /**
     * Whether a step's intermediate arrays live in one reusable workspace ({@link WorkspaceMemory}): fastest for
     * small graphs whose steps are dominated by allocating [B, B] temporaries, but every intermediate then stays
     * allocated until the step ends. Models with large encoders return false: each intermediate is then freed as
     * soon as the last op that reads it has run and its buffer reused ({@link ReleasingMemory}), which bounds peak
     * memory by what backprop keeps alive.
     */
    protected boolean stepWorkspace() {
        return true;
    }

    /** Bytes of intermediate arrays the last training step freed before it ended (0 with the workspace). */
    long releasedBytes() {
        return releasing.releasedBytes();
    }

    /** The graph, for embedding and tests. */
    public SameDiff graph() {
        return sd;
    }

    /** The loss graph and what it needs fed per batch. */
    public LossGraph loss() {
        return loss;
    }

    /** Names of the variables the optimizer updates (a frozen logit scale is a constant, so not among them). */
    public List<String> trainable() {
        return trainable;
    }

    /** Graph outputs for a batch in evaluation mode (representations, for retrieval). */
    protected Map<String, INDArray> evaluate(Batch batch, String... outputs) {
        return sd.output(placeholders(batch, Feed.EVALUATE), outputs);
    }

    @Override
    public void useOptimizer(OptimizerSpec spec) {
        this.optimizer = new AdamW(spec);
    }

    /** A training pass's outputs: the loss, the gradients of the trained variables, what to close after. */
    private record Pass(double loss, Map<String, INDArray> grads, OutAndGrad result) {
        void close() {
            SameDiffModel.close(grads.values());
            SameDiffModel.close(result.getGradients().values());
            SameDiffModel.close(result.getOutputs().values());
        }
    }

    @Override
    public double trainStep(Batch batch, Permutations negatives) {
        if (optimizer == null) {
            throw new IllegalStateException("useOptimizer was not called");
        }
        beginStep(negatives);
        if (cache != null) {
            Gradients g = cache.gradients(batch, negatives);
            if (!g.arrays().isEmpty()) {
                optimizer.step(trainedArrays(), g.arrays());
                close(g.arrays().values());
            }
            return g.loss();
        }
        Pass pass = backward(batch, negatives);
        if (pass.grads() == null) {
            return pass.loss();
        }
        optimizer.step(trainedArrays(), pass.grads());
        afterTrainingStep(pass.result().getOutputs());
        // return the step's buffers to the allocator now rather than at the next garbage collection
        pass.close();
        return pass.loss();
    }

    /** Gradients of the graph's loss, which is already the batch mean: {@code trainStep}'s, by variable name. */
    @Override
    public Gradients gradients(Batch batch, Permutations negatives) {
        beginStep(negatives);
        if (cache != null) {
            return cache.gradients(batch, negatives);
        }
        Pass pass = backward(batch, negatives);
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (pass.grads() != null) {
            for (String v : trainable) {
                INDArray g = pass.grads().get(v);
                if (g != null) {
                    out.put(v, g.dup());
                }
            }
            pass.close();
        }
        return new Gradients(pass.loss(), out);
    }

    @Override
    public Optional<GradientCache> gradientCache() {
        return Optional.ofNullable(cache);
    }

    @Override
    public Map<String, INDArray> gradientsOf(Batch batch, List<INDArray> repGradients, double gradLogScale) {
        if (cache == null) {
            throw new IllegalStateException("a model built without micro-batches has no cached step");
        }
        return cache.backpropagate(batch, repGradients, gradLogScale);
    }

    @Override
    public void applyGradients(Map<String, INDArray> gradients) {
        if (optimizer == null) {
            throw new IllegalStateException("useOptimizer was not called");
        }
        for (String v : trainable) {
            INDArray g = gradients.get(v);
            INDArray p = sd.getVariable(v).getArr();
            if (g != null && !Arrays.equals(g.shape(), p.shape())) {
                throw new IllegalArgumentException("gradients: '" + v + "' has shape "
                        + Arrays.toString(g.shape()) + ", the variable " + Arrays.toString(p.shape()));
            }
        }
        optimizer.step(trainedArrays(), new HashMap<>(gradients));
    }

    private Map<String, INDArray> trainedArrays() {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String v : trainable) {
            params.put(v, sd.getVariable(v).getArr());
        }
        return params;
    }

    /**
     * Phase 1 of a cached step (training mode) or a chunk of a cached evaluation: the representations, nothing kept
     * (see the class comment).
     */
    @Override
    public GradientCache.Encoded encode(Batch batch, boolean training) {
        SurrogateLossGraph.Forward f = cachedLoss.forward(sd, placeholders(batch, training ? Feed.ENCODE
                : Feed.EVALUATE));
        return new GradientCache.Encoded(f.representations(), f.logScale());
    }

    /** Phase 3 of a cached step: the gradients of the trained variables from the given representation gradients. */
    @Override
    public Map<String, INDArray> backpropagate(Batch batch, List<INDArray> gradients, double gradLogScale) {
        Pass pass = backward(batch, Feed.BACKPROPAGATE, feed -> cachedLoss.feedGradients(feed, gradients,
                gradLogScale));
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (pass.grads() != null) {
            for (String v : trainable) {
                INDArray g = pass.grads().get(v);
                if (g != null) {
                    out.put(v, g.dup());
                }
            }
            pass.close();
        }
        return out;
    }

    /** Forward and backward in training mode; no gradients (null) when the loss is not finite. */
    private Pass backward(Batch batch, Permutations negatives) {
        return backward(batch, Feed.TRAIN, feed -> loss.feed(sd, feed, batch.rows(), negatives));
    }

    /** {@link #backward(Batch, Permutations)} with the loss's placeholders added by {@code lossFeed}. */
    private Pass backward(Batch batch, Feed why, Consumer<Map<String, INDArray>> lossFeed) {
        if (sd.getFunction("grad") == null) {
            sd.createGradFunction();
        }
        boolean ws = stepWorkspace();
        if (ws) {
            workspace.attach(sd);
        }
        Map<String, INDArray> feed = new HashMap<>(placeholders(batch, why));
        lossFeed.accept(feed);
        OutAndGrad result;
        if (ws) {
            result = inStepMemory(true, () -> sd.calculateGradientsAndOutputs(feed, stepOutputs, gradientsFor));
        } else {
            releasing.beginStep(sd, feed, stepOutputs, gradientsFor);
            try {
                result = sd.calculateGradientsAndOutputs(feed, stepOutputs, gradientsFor);
            } finally {
                releasing.endStep();
            }
        }
        double value = result.getOutputs().get(loss.loss().name()).getDouble(0);
        if (!Double.isFinite(value)) {
            return new Pass(value, null, result);
        }
        Map<String, INDArray> grads = new HashMap<>(result.getGradients());
        if (!fed.isEmpty()) {
            externalGradients(batch, grads);
        }
        return new Pass(value, grads, result);
    }

    @Override
    public double evalLoss(Batch batch, Permutations negatives) {
        if (cache != null) {
            return cache.value(batch, negatives);
        }
        boolean ws = stepWorkspace();
        if (ws) {
            workspace.attach(sd);
        }
        Map<String, INDArray> feed = placeholders(batch, Feed.EVALUATE);
        return inStepMemory(ws, () -> loss.value(sd, feed, batch.rows(), negatives));
    }

    @Override
    public double logitScale() {
        return Math.exp(sd.getArrForVarName(scale.logScale().name()).getDouble(0));
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> vars = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if ((v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT)
                    && v.getArr() != null && !fed.contains(v.name())) {
                vars.put(v.name(), v.getArr());
            }
        }
        return vars;
    }

    @Override
    public Optional<Optimizer> optimizer() {
        return Optional.ofNullable(optimizer);
    }

    private <T> T inStepMemory(boolean useWorkspace, Supplier<T> body) {
        if (!useWorkspace) {
            return body.get();
        }
        try (var ws = workspace.open()) {
            return body.get();
        }
    }

    private static void close(Iterable<INDArray> arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }
}
