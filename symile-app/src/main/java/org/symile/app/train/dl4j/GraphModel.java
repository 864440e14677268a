package org.symile.app.train.dl4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.memory.FreeMemoryRelease;
import org.symile.app.memory.NativeAllocator;
import org.symile.app.memory.StepMemory;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.GradientCache;
import org.symile.app.train.Optimizer;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.AddReluVertex;
import org.symile.samediff.dl4j.SymileLabels;
import org.symile.samediff.dl4j.SymileOutputLayer;
import org.symile.samediff.dl4j.TorchBatchNorm2d;

/**
 * A model that is one DL4J {@code ComputationGraph}: per-modality encoders, a {@code MergeVertex} of their M
 * representations [B, d] and a {@link SymileOutputLayer} (the project's Symile or CLIP loss graph, with the
 * learned log-scale) as its output. DL4J runs forward and backward with its workspaces; this class then applies
 * PyTorch's AdamW ({@link FlatAdamW}) to every trained parameter (DL4J's Adam places ε differently) and moves the batch-norm running
 * statistics. Gradients come from DL4J's summed-loss convention and are divided by the batch size here, as DL4J's
 * own updater would. With micro-batches ({@code --micro_batch_sz}) every step is gradient-cached
 * ({@link CachedGraphSteps}).
 */
public abstract class GraphModel implements TrainableModel {
    protected final ComputationGraph cg;
    private final String lossLayer;
    private final int modalities;
    private final long width;
    /** What the labels carry: O(N) permutations for Symile with n, nothing ([B, 1]) otherwise. */
    private final NegativeSampling labelSampling;
    private final LossFn lossFn;
    private final Map<String, INDArray> params;
    private final List<String> trainable = new ArrayList<>();
    private final List<String> runningStats = new ArrayList<>();
    /** ComputationGraph's names of its activation-gradient (and inference activation) workspaces. */
    private static final String GRADIENT_WORKSPACE_PREFIX = "WS_LAYER_ACT_";
    private final InputType[] inputTypes;
    private FlatAdamW optimizer;
    /** Gradient-cached steps, or null for plain ones. */
    private final CachedGraphSteps cached;

    /**
     * @param cg        an initialised graph whose single output is the {@link SymileOutputLayer} {@code lossLayer}
     * @param modalities the modalities' names in the output layer's input order (what {@code --anchors} names)
     * @param width     d, each modality's representation width
     * @param inputTypes the graph's input types in input order (per example), for {@link #stepMemory()}
     */
    protected GraphModel(ComputationGraph cg, String lossLayer, List<String> modalities, long width, LossSpec loss,
                         InputType... inputTypes) {
        this(cg, lossLayer, modalities, width, loss, 0, inputTypes);
    }

    /**
     * A model whose steps are gradient-cached when {@code microRows} > 0: its output layer must then be built with
     * {@link SymileOutputLayer.Builder#cachedGradients(boolean) cachedGradients(true)}.
     *
     * @param microRows the rows encoded at once ({@code --micro_batch_sz}), or 0 for plain steps
     */
    protected GraphModel(ComputationGraph cg, String lossLayer, List<String> modalities, long width, LossSpec loss,
                         int microRows, InputType... inputTypes) {
        this.cg = cg;
        this.inputTypes = inputTypes.clone();
        this.lossLayer = lossLayer;
        this.modalities = modalities.size();
        this.width = width;
        this.labelSampling = loss.lossFn().samplesNegatives() ? loss.negativeSampling() : NegativeSampling.N_SQUARED;
        this.lossFn = loss.lossFn();
        this.params = cg.paramTable();
        String scale = lossLayer + "_" + SymileOutputLayer.LOGIT_SCALE;
        for (String name : params.keySet()) {
            if (isRunningStat(name)) {
                runningStats.add(name);
            } else if (!(name.equals(scale) && loss.freezeLogitScale())) {
                trainable.add(name);
            }
        }
        EagerLoss eager = loss.eagerLoss(modalities);
        this.cached = microRows > 0 ? new CachedGraphSteps(this, eager, microRows) : null;
    }

    private boolean isRunningStat(String name) {
        int cut = name.lastIndexOf('_');
        Layer layer = cg.getLayer(name.substring(0, cut));
        String param = name.substring(cut + 1);
        return layer.conf().getLayer() instanceof TorchBatchNorm2d
                && (param.equals(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                || param.equals(BatchNormalizationParamInitializer.GLOBAL_VAR));
    }

    /** The graph's inputs for a batch, in the graph's input order. */
    protected abstract INDArray[] inputs(Batch batch);

    /** The graph, for embedding and tests. */
    public ComputationGraph graph() {
        return cg;
    }

    private INDArray[] labels(int rows, Permutations p) {
        return new INDArray[] {SymileLabels.labels(modalities, labelSampling, p, rows).castTo(cg.params().dataType())};
    }

    @Override
    public void useOptimizer(OptimizerSpec spec) {
        Map<String, INDArray> views = new LinkedHashMap<>();
        trainable.forEach(name -> views.put(name, params.get(name)));
        this.optimizer = new FlatAdamW(spec, cg.params(), views);
    }

    @Override
    public double trainStep(Batch batch, Permutations negatives) {
        if (optimizer == null) {
            throw new IllegalStateException("useOptimizer was not called");
        }
        if (cached != null) {
            return cached.trainStep(batch, negatives, optimizer);
        }
        cg.setInputs(inputs(batch));
        cg.setLabels(labels(batch.rows(), negatives));
        cg.computeGradientAndScore();

        double loss = cg.score();
        if (!Double.isFinite(loss)) {
            cg.clearLayersStates();
            return loss;
        }
        Gradient g = cg.gradient();
        for (String s : runningStats) {
            params.get(s).subi(g.getGradientFor(s));
        }
        optimizer.step(cg.getFlattenedGradients(), batch.rows());
        cg.getConfiguration().setIterationCount(cg.getIterationCount() + 1);
        cg.clearLayersStates();
        releaseGradientWorkspaces();
        releaseFreeMemoryAfter(batch.rows());
        return loss;
    }

    /** {@link #gradients}' name of the flattened gradient of the batch-mean loss (running statistics zeroed). */
    public static final String FLAT_GRADIENT = "flat_gradient";

    @Override
    public Gradients gradients(Batch batch, Permutations negatives) {
        if (cached != null) {
            return cached.gradients(batch, negatives);
        }
        cg.setInputs(inputs(batch));
        cg.setLabels(labels(batch.rows(), negatives));
        cg.computeGradientAndScore();
        double loss = cg.score();
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (Double.isFinite(loss)) {
            INDArray flat = cg.getFlattenedGradients();
            for (String s : runningStats) {
                out.put(RUNNING_UPDATE + s, segment(flat, s).dup());
            }
            // DL4J's gradient is of the summed loss: divided as FlatAdamW would, the update it gives is the same
            out.put(FLAT_GRADIENT, flat.reshape(flat.length()).dup().divi(batch.rows()));
        }
        cg.clearLayersStates();
        releaseGradientWorkspaces();
        releaseFreeMemoryAfter(batch.rows());
        return new Gradients(loss, out);
    }

    @Override
    public Optional<GradientCache> gradientCache() {
        return cached == null ? Optional.empty() : Optional.of(cached.cache());
    }

    @Override
    public Map<String, INDArray> gradientsOf(Batch batch, List<INDArray> repGradients, double gradLogScale) {
        if (cached == null) {
            throw new IllegalStateException("a model built without micro-batches has no cached step");
        }
        return cached.gradientsOf(batch, repGradients, gradLogScale);
    }

    @Override
    public void applyGradients(Map<String, INDArray> gradients) {
        if (optimizer == null) {
            throw new IllegalStateException("useOptimizer was not called");
        }
        INDArray flat = gradients.get(FLAT_GRADIENT);
        if (flat == null || flat.length() != cg.numParams()) {
            throw new IllegalArgumentException("gradients: expected '" + FLAT_GRADIENT + "' of " + cg.numParams()
                    + " elements, got " + (flat == null ? "none" : flat.length()));
        }
        for (String s : runningStats) {
            INDArray update = gradients.get(RUNNING_UPDATE + s);
            if (update == null) {
                throw new IllegalArgumentException("gradients: no '" + RUNNING_UPDATE + s + "'");
            }
            params.get(s).subi(update.reshape(params.get(s).shape()));
        }
        optimizer.step(flat.dup(), 1);
        cg.getConfiguration().setIterationCount(cg.getIterationCount() + 1);
    }

    /** Parameter {@code name}'s part of a vector laid out as the flattened parameters. */
    INDArray segment(INDArray flat, String name) {
        INDArray view = params.get(name);
        long from = view.offset() - cg.params().offset();
        return flat.reshape(flat.length()).get(NDArrayIndex.interval(from, from + view.length()));
    }

    /**
     * Frees DL4J's cyclic workspaces of activation gradients (in inference passes, {@code output}, the same
     * workspaces hold the layers' activations). They learn their size over as many cycles as the graph has vertices
     * and then stay allocated at their largest, ~6 activation-sized arrays (at Symile-MIMIC's full size and B 32,
     * ~1.3 GB more resident after a few steps); freed after every step, their arrays are allocated as needed
     * instead, which measured no slower.
     */
    static void releaseGradientWorkspaces() {
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (ws.getId().startsWith(GRADIENT_WORKSPACE_PREFIX)) {
                Nd4j.getWorkspaceManager().destroyWorkspace(ws);
            }
        }
    }

    /**
     * The loss in evaluation mode. DL4J's {@code score(data, false)} keeps every layer's activations outside its
     * workspaces until the garbage collector runs (at Symile-MIMIC's size and B 32, gigabytes more resident during
     * validation); this runs the workspace-backed inference pass instead and scores its output with the output
     * layer, which is the same computation.
     */
    @Override
    public double evalLoss(Batch batch, Permutations negatives) {
        if (cached != null) {
            return cached.evalLoss(batch, negatives);
        }
        INDArray merged = cg.output(false, inputs(batch))[0];
        IOutputLayer out = (IOutputLayer) cg.getOutputLayer(0);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        try {
            out.setInput(merged, mgr);
            out.setLabels(labels(batch.rows(), negatives)[0]);
            return out.computeScore(0.0, false, mgr);
        } finally {
            out.clear();
            if (merged.closeable()) {
                merged.close();
            }
            releaseFreeMemoryAfter(batch.rows());
        }
    }

    /** The M representations [B, d] of a batch in evaluation mode, in modality order. */
    public INDArray[] represent(Batch batch) {
        if (cached != null) {
            return cached.represent(batch);
        }
        INDArray merged = cg.output(false, inputs(batch))[0];
        INDArray[] reps = new INDArray[modalities];
        for (int m = 0; m < modalities; m++) {
            reps[m] = merged.get(NDArrayIndex.all(), NDArrayIndex.interval(m * width, (m + 1) * width)).dup();
        }
        if (merged.closeable()) {
            merged.close();
        }
        releaseFreeMemoryAfter(batch.rows());
        return reps;
    }

    @Override
    public double logitScale() {
        return Math.exp(params.get(lossLayer + "_" + SymileOutputLayer.LOGIT_SCALE).getDouble(0));
    }

    @Override
    public Map<String, INDArray> state() {
        return new LinkedHashMap<>(params);
    }

    @Override
    public Optional<Optimizer> optimizer() {
        return Optional.ofNullable(optimizer);
    }

    /** Hands malloc's free memory back after passes that kept a large share of the memory budget. */
    private FreeMemoryRelease release = new FreeMemoryRelease();
    /** Cached {@link #keptActivationElements()} in bytes; -1 until first needed. */
    private long activationBytesPerRow = -1;

    /**
     * A training step's memory from the graph's configuration ({@link StepMemory#ofTraining}): every vertex's
     * output per example (DL4J keeps them all until backprop; a residual sum written over its input counts
     * nothing), the gradient vector until the first step allocates it, Symile's O(N²) products of a plain step, and
     * what a gradient-cached step holds instead.
     */
    @Override
    public Optional<StepMemory> stepMemory() {
        long bytes = dataType().width();
        long fixed = cg.getFlattenedGradients() == null ? cg.numParams() * bytes : 0;
        long productRow = lossFn == LossFn.SYMILE && labelSampling == NegativeSampling.N_SQUARED ? width * bytes : 0;
        return Optional.of(StepMemory.ofTraining(keptActivationElements() * bytes, fixed, productRow, modalities,
                width, (int) bytes, cg.numParams() * bytes, !runningStats.isEmpty()));
    }

    /** Elements per example of every vertex output a training pass keeps (not the residual sums written in place). */
    private long keptActivationElements() {
        Map<String, InputType> types = cg.getConfiguration().getLayerActivationTypes(false, false, inputTypes);
        Map<String, GraphVertex> vertices = cg.getConfiguration().getVertices();
        long elements = 0;
        for (Map.Entry<String, InputType> e : types.entrySet()) {
            if (vertices.get(e.getKey()) instanceof AddReluVertex v && v.isOverwriteFirstInput()) {
                continue;
            }
            elements += e.getValue().arrayElementsPerExample();
        }
        return elements;
    }

    /**
     * After a pass whose gradient, if any, has been consumed: malloc's free memory handed back when memory is tight
     * ({@link FreeMemoryRelease}), and then also the flattened gradient's pages, which the next backward pass
     * writes again from the output layer down, so that the early layers' gradients take memory only once most
     * activations are gone (at full-size Symile-MIMIC the gradient is ~260 MB).
     */
    void releaseFreeMemoryAfter(long rows) {
        if (release.afterPass(activationBytesPerRow() * rows)) {
            INDArray flat = cg.getFlattenedGradients();
            if (flat != null) {
                long width = flat.dataType().width();
                NativeAllocator.discardPages(flat.data().addressPointer().address() + flat.offset() * width,
                        flat.length() * width);
            }
        }
    }

    /** Releases memory after every pass, as when memory is tight (for tests of that path). */
    void releaseMemoryAfterEveryPass() {
        release = FreeMemoryRelease.always();
    }

    private long activationBytesPerRow() {
        if (activationBytesPerRow < 0) {
            activationBytesPerRow = keptActivationElements() * dataType().width();
        }
        return activationBytesPerRow;
    }

    int modalities() {
        return modalities;
    }

    long width() {
        return width;
    }

    Map<String, INDArray> params() {
        return params;
    }

    List<String> runningStats() {
        return runningStats;
    }

    /** The data type of the graph's parameters. */
    protected DataType dataType() {
        return cg.params().dataType();
    }
}
