package org.symile.samediff.dl4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.samediff.ClipLoss;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossForm;
import org.symile.samediff.LossGraph;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjective;
import org.symile.samediff.TupleObjectiveLoss;

/**
 * Symile (or pairwise CLIP, GRAM, TRIANGLE) as the output layer of a DL4J {@code ComputationGraph}.
 *
 * <p>The layer's input is the concatenation of M per-modality embeddings, [mb, M·d], typically from a
 * {@code MergeVertex} of M encoders. The layer owns one trainable parameter, {@value #LOGIT_SCALE} (log s, shape
 * [1, 1]), initialised to {@code logitScaleInit}; DL4J's updater and weight decay reach it like any weight. Its
 * activations are its input (the embeddings).
 *
 * <p>Labels: DL4J needs labels for an output layer. With O(N) negatives they carry the negatives: a
 * [mb, M(M-1) + mb] array whose column a·(M-1)+k is the row permutation of non-anchor k of anchor a, drawn fresh
 * per minibatch, followed by an mb x mb identity block (used to put the positives on the diagonal without
 * building an identity in the graph, which leaks native memory in M2.1); {@link SymileLabels} makes them.
 * Otherwise any [mb, 1] array (its values are ignored).
 *
 * <p>With {@link Builder#cachedGradients(boolean) cached gradients} the layer computes no loss: a gradient-cached
 * training step has computed the loss over the whole batch and ∂L/∂r itself, and the labels carry one micro-batch's
 * slice of it, [mb, M·d + 1]: the representation gradients G, then ∂L/∂log(s) in the last column (in one row, zeros
 * in the others; {@link #cachedLabels}). The layer's objective is then Σ input ⊙ G + log(s)·Σ g, whose gradient
 * with respect to the input is G and with respect to log(s) g, so DL4J's backward pass gives the micro-batch's share
 * of the whole batch's parameter gradients. Its score is not a loss.
 *
 * <p>The score DL4J reports is the loss (DL4J divides the layer's summed score by the minibatch size). Updater
 * and regularisation come from the network's global configuration; set {@code .weightDecay(wd, true)} there to
 * decay the log-scale as upstream's AdamW does.
 */
public class SymileOutputLayer extends SameDiffOutputLayer {
    /** Name of the log-scale parameter (DL4J parameter names cannot contain underscores). */
    public static final String LOGIT_SCALE = "logitScale";

    private int numModalities;
    private long embeddingSize;
    private String negativeSampling;
    private String lossFn;
    private double logitScaleInit;
    private boolean cachedGradients;
    /** Absent from configurations saved before the eager form existed, which then get it. */
    private LossForm lossForm = LossForm.CLOSED_FORM;
    /** Label smoothing ε of every cross-entropy; the anchors averaged (null: all). */
    private double labelSmoothing;
    private int[] anchors;

    /** For JSON deserialisation. */
    protected SymileOutputLayer() {
    }

    protected SymileOutputLayer(Builder b) {
        this(b, Double.isNaN(b.labelSmoothing) ? 0 : b.labelSmoothing);
    }

    private SymileOutputLayer(Builder b, double labelSmoothing) {
        this.numModalities = b.numModalities;
        this.embeddingSize = b.embeddingSize;
        this.negativeSampling = b.negativeSampling.flag();
        this.lossFn = b.lossFn;
        this.logitScaleInit = b.logitScaleInit;
        this.cachedGradients = b.cachedGradients;
        this.lossForm = b.lossForm;
        this.labelSmoothing = labelSmoothing;
        this.anchors = b.anchors == null ? null : b.anchors.clone();
    }

    /** The GRAM or TRIANGLE loss this layer computes, or null for Symile and CLIP. */
    TupleObjectiveLoss tupleLoss() {
        return TupleObjective.ofFlag(lossFn).map(o -> new TupleObjectiveLoss(o, labelSmoothing, anchors))
                .orElse(null);
    }

    /** The Symile loss this layer computes (meaningful for {@code lossFn} symile), in the graph form. */
    SymileLoss.Config symileConfig() {
        return SymileLoss.Config.of(NegativeSampling.fromFlag(negativeSampling)).withLabelSmoothing(labelSmoothing)
                .withAnchors(anchors);
    }

    /**
     * The runtime layer: by default the eager one ({@link LossForm#CLOSED_FORM}: the score and gradients from the
     * closed forms, no SameDiff graph); with {@link LossForm#GRAPH} DL4J's SameDiff output layer running
     * {@link #defineLayer}. Both give the same score and gradients (to rounding).
     */
    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners,
                                                       int layerIndex, INDArray layerParamsView,
                                                       boolean initializeParams, DataType networkDataType) {
        if (lossForm == LossForm.GRAPH) {
            return super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                    networkDataType);
        }
        EagerLossLayer layer = new EagerLossLayer(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable layerInput, SDVariable labels,
                                  Map<String, SDVariable> paramTable) {
        LogitScale scale = LogitScale.wrap(sd, sd.reshape(paramTable.get(LOGIT_SCALE), new long[0]));
        if (cachedGradients) {
            long md = numModalities * embeddingSize;
            SDVariable g = labels.get(SDIndex.all(), SDIndex.interval(0L, md));
            SDVariable gScale = labels.get(SDIndex.all(), SDIndex.interval(md, md + 1));
            SDVariable objective = layerInput.mul(g).sum().add(scale.logScale().mul(gScale.sum()));
            objective.markAsLoss();
            return objective;
        }
        List<SDVariable> reps = new ArrayList<>(numModalities);
        for (int m = 0; m < numModalities; m++) {
            reps.add(layerInput.get(SDIndex.all(), SDIndex.interval(m * embeddingSize, (m + 1) * embeddingSize)));
        }
        LossGraph loss;
        TupleObjectiveLoss tuple = tupleLoss();
        if (tuple != null) {
            loss = tuple.build(sd, "symile_layer_loss", reps, scale);
        } else if ("clip".equals(lossFn)) {
            loss = new ClipLoss().withLabelSmoothing(labelSmoothing).withAnchors(anchors)
                    .build(sd, "symile_layer_loss", reps, scale);
        } else if (NegativeSampling.fromFlag(negativeSampling) != NegativeSampling.N) {
            loss = new SymileLoss(symileConfig()).withWidth(embeddingSize).build(sd, "symile_layer_loss", reps, scale);
        } else {
            int k = numModalities * (numModalities - 1);
            SDVariable perms = labels.get(SDIndex.all(), SDIndex.interval(0, k));
            SDVariable identity = sd.slice(labels, new int[] {0, k}, -1, -1);
            loss = new SymileLoss(symileConfig()).withWidth(embeddingSize)
                    .build(sd, "symile_layer_loss", reps, scale, perms, identity);
        }
        // DL4J divides an output layer's score by the minibatch size, so return the sum over the batch
        return loss.loss().mul(sd.sizeAt(layerInput, 0).castTo(layerInput.dataType()));
    }

    @Override
    public String activationsVertexName() {
        return org.deeplearning4j.nn.layers.samediff.SameDiffOutputLayer.INPUT_KEY;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(LOGIT_SCALE, 1, 1);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(LOGIT_SCALE).assign(logitScaleInit);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    /** Width of the labels array this layer expects for a minibatch of {@code batchSize} rows (loss mode). */
    public static int labelWidth(int numModalities, NegativeSampling negativeSampling, int batchSize) {
        return negativeSampling == NegativeSampling.N ? numModalities * (numModalities - 1) + batchSize : 1;
    }

    /**
     * The labels of a layer with cached gradients for one micro-batch: [mb, M·d + 1], the representation gradients
     * in modality order, then {@code gradLogScale} in the first row's last column.
     *
     * @param gradients    G_m [mb, d] each, M of them
     * @param gradLogScale this micro-batch's share of ∂L/∂log(s)
     */
    public static INDArray cachedLabels(List<INDArray> gradients, double gradLogScale) {
        INDArray first = gradients.get(0);
        long mb = first.rows();
        long d = first.columns();
        INDArray out = Nd4j.zeros(first.dataType(), mb, gradients.size() * d + 1);
        for (int m = 0; m < gradients.size(); m++) {
            INDArray g = gradients.get(m);
            if (g.rows() != mb || g.columns() != d) {
                throw new IllegalArgumentException("cached gradients: modality " + m + " has shape "
                        + java.util.Arrays.toString(g.shape()) + ", expected [" + mb + ", " + d + "]");
            }
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(m * d, (m + 1) * d)).assign(g);
        }
        out.putScalar(0, gradients.size() * d, gradLogScale);
        return out;
    }

    public int getNumModalities() {
        return numModalities;
    }

    public void setNumModalities(int numModalities) {
        this.numModalities = numModalities;
    }

    public long getEmbeddingSize() {
        return embeddingSize;
    }

    public void setEmbeddingSize(long embeddingSize) {
        this.embeddingSize = embeddingSize;
    }

    public String getNegativeSampling() {
        return negativeSampling;
    }

    public void setNegativeSampling(String negativeSampling) {
        this.negativeSampling = negativeSampling;
    }

    public String getLossFn() {
        return lossFn;
    }

    public void setLossFn(String lossFn) {
        this.lossFn = lossFn;
    }

    public double getLogitScaleInit() {
        return logitScaleInit;
    }

    public void setLogitScaleInit(double logitScaleInit) {
        this.logitScaleInit = logitScaleInit;
    }

    public double getLabelSmoothing() {
        return labelSmoothing;
    }

    public void setLabelSmoothing(double labelSmoothing) {
        this.labelSmoothing = labelSmoothing;
    }

    public int[] getAnchors() {
        return anchors == null ? null : anchors.clone();
    }

    public void setAnchors(int[] anchors) {
        this.anchors = anchors == null ? null : anchors.clone();
    }

    /** How the layer computes its loss: {@link LossForm#CLOSED_FORM} (eager, the default) or the SameDiff graph. */
    public LossForm getLossForm() {
        return lossForm;
    }

    public void setLossForm(LossForm lossForm) {
        this.lossForm = lossForm;
    }

    /** Whether the labels carry cached representation gradients instead of the loss's negatives. */
    public boolean isCachedGradients() {
        return cachedGradients;
    }

    public void setCachedGradients(boolean cachedGradients) {
        this.cachedGradients = cachedGradients;
    }

    /** Builder; every setting is validated in {@link #build()}. */
    public static class Builder {
        private int numModalities = 3;
        private long embeddingSize = -1;
        private NegativeSampling negativeSampling = NegativeSampling.N;
        private String lossFn = "symile";
        private double logitScaleInit = Math.log(1 / 0.07);
        private boolean cachedGradients;
        private LossForm lossForm = LossForm.CLOSED_FORM;
        private double labelSmoothing = Double.NaN;
        private int[] anchors;

        /** Number of modalities M ≥ 2 concatenated in the input. */
        public Builder numModalities(int m) {
            this.numModalities = m;
            return this;
        }

        /** Width d of each modality's embedding; the input is [mb, M·d]. */
        public Builder embeddingSize(long d) {
            this.embeddingSize = d;
            return this;
        }

        public Builder negativeSampling(NegativeSampling ns) {
            this.negativeSampling = ns;
            return this;
        }

        /** {@code symile} (default), {@code clip}, {@code gram} or {@code triangle} (M = 3). */
        public Builder lossFn(String lossFn) {
            this.lossFn = lossFn;
            return this;
        }

        /** Initial log(s). */
        public Builder logitScaleInit(double v) {
            this.logitScaleInit = v;
            return this;
        }

        /**
         * With true the labels carry a micro-batch's slice of gradients a gradient-cached step computed
         * ({@link #cachedLabels}) and the layer back-propagates them instead of computing the loss.
         */
        public Builder cachedGradients(boolean cached) {
            this.cachedGradients = cached;
            return this;
        }

        /**
         * Label smoothing ε in [0, 1) of every cross-entropy: Symile and CLIP (default 0, as upstream), GRAM and
         * TRIANGLE (default 0.1, as their code).
         */
        public Builder labelSmoothing(double eps) {
            this.labelSmoothing = eps;
            return this;
        }

        /**
         * The 0-based modalities whose losses are averaged (default: every modality): Symile's, GRAM's and TRIANGLE's
         * anchors; for CLIP the pairs that hold one of them are summed.
         */
        public Builder anchors(int... modalities) {
            this.anchors = modalities == null ? null : modalities.clone();
            return this;
        }

        /**
         * {@link LossForm#CLOSED_FORM} (default): score and gradients computed eagerly in closed form, once per
         * step; {@link LossForm#GRAPH}: the loss as a SameDiff graph inside DL4J's SameDiff output layer (slower:
         * DL4J runs it twice per step), for comparison.
         */
        public Builder lossForm(LossForm form) {
            this.lossForm = form;
            return this;
        }

        public SymileOutputLayer build() {
            if (lossForm == null) {
                throw new IllegalArgumentException("lossForm: expected CLOSED_FORM or GRAPH, got null");
            }
            if (numModalities < 2) {
                throw new IllegalArgumentException("numModalities: expected M >= 2, got " + numModalities);
            }
            if (embeddingSize < 1) {
                throw new IllegalArgumentException("embeddingSize: expected d >= 1, got " + embeddingSize);
            }
            if (negativeSampling == null) {
                throw new IllegalArgumentException("negativeSampling: expected n or n_squared, got null");
            }
            Optional<TupleObjective> objective = TupleObjective.ofFlag(lossFn);
            boolean tuple = objective.isPresent();
            if (!"symile".equals(lossFn) && !"clip".equals(lossFn) && !tuple) {
                throw new IllegalArgumentException("lossFn: expected symile, clip, gram or triangle, got '" + lossFn
                        + "'");
            }
            double eps = Double.isNaN(labelSmoothing) ? (tuple ? 0.1 : 0) : labelSmoothing;
            // ε, M and the anchors, each refused with its flag's name
            if (tuple) {
                new TupleObjectiveLoss(objective.get(), eps, anchors).checkModalities(numModalities);
            } else {
                SymileLoss.Config.of(negativeSampling).withLabelSmoothing(eps).withAnchors(anchors)
                        .checkModalities(numModalities);
            }
            if (!Double.isFinite(logitScaleInit)) {
                throw new IllegalArgumentException("logitScaleInit: expected a finite number, got " + logitScaleInit);
            }
            return new SymileOutputLayer(this, eps);
        }
    }
}
