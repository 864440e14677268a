package org.symile.samediff.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.samediff.ClipLoss;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossGraph;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.SymileLoss;

/**
 * Symile (or pairwise CLIP) as the output layer of a DL4J {@code ComputationGraph}.
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

    /** For JSON deserialisation. */
    protected SymileOutputLayer() {
    }

    protected SymileOutputLayer(Builder b) {
        this.numModalities = b.numModalities;
        this.embeddingSize = b.embeddingSize;
        this.negativeSampling = b.negativeSampling.flag();
        this.lossFn = b.lossFn;
        this.logitScaleInit = b.logitScaleInit;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable layerInput, SDVariable labels,
                                  Map<String, SDVariable> paramTable) {
        List<SDVariable> reps = new ArrayList<>(numModalities);
        for (int m = 0; m < numModalities; m++) {
            reps.add(layerInput.get(SDIndex.all(), SDIndex.interval(m * embeddingSize, (m + 1) * embeddingSize)));
        }
        LogitScale scale = LogitScale.wrap(sd, sd.reshape(paramTable.get(LOGIT_SCALE), new long[0]));
        LossGraph loss;
        if ("clip".equals(lossFn)) {
            loss = new ClipLoss().withWidth(embeddingSize).build(sd, "symile_layer_loss", reps, scale);
        } else if (NegativeSampling.fromFlag(negativeSampling) != NegativeSampling.N) {
            loss = new SymileLoss(NegativeSampling.fromFlag(negativeSampling)).withWidth(embeddingSize)
                    .build(sd, "symile_layer_loss", reps, scale);
        } else {
            int k = numModalities * (numModalities - 1);
            SDVariable perms = labels.get(SDIndex.all(), SDIndex.interval(0, k));
            SDVariable identity = sd.slice(labels, new int[] {0, k}, -1, -1);
            loss = new SymileLoss(NegativeSampling.fromFlag(negativeSampling)).withWidth(embeddingSize)
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

    /** Width of the labels array this layer expects for a minibatch of {@code batchSize} rows. */
    public static int labelWidth(int numModalities, NegativeSampling negativeSampling, int batchSize) {
        return negativeSampling == NegativeSampling.N ? numModalities * (numModalities - 1) + batchSize : 1;
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

    /** Builder; every setting is validated in {@link #build()}. */
    public static class Builder {
        private int numModalities = 3;
        private long embeddingSize = -1;
        private NegativeSampling negativeSampling = NegativeSampling.N;
        private String lossFn = "symile";
        private double logitScaleInit = Math.log(1 / 0.07);

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

        /** {@code symile} (default) or {@code clip}. */
        public Builder lossFn(String lossFn) {
            this.lossFn = lossFn;
            return this;
        }

        /** Initial log(s). */
        public Builder logitScaleInit(double v) {
            this.logitScaleInit = v;
            return this;
        }

        public SymileOutputLayer build() {
            if (numModalities < 2) {
                throw new IllegalArgumentException("numModalities: expected M >= 2, got " + numModalities);
            }
            if (embeddingSize < 1) {
                throw new IllegalArgumentException("embeddingSize: expected d >= 1, got " + embeddingSize);
            }
            if (negativeSampling == null) {
                throw new IllegalArgumentException("negativeSampling: expected n or n_squared, got null");
            }
            if (!"symile".equals(lossFn) && !"clip".equals(lossFn)) {
                throw new IllegalArgumentException("lossFn: expected symile or clip, got '" + lossFn + "'");
            }
            if (!Double.isFinite(logitScaleInit)) {
                throw new IllegalArgumentException("logitScaleInit: expected a finite number, got " + logitScaleInit);
            }
            return new SymileOutputLayer(this);
        }
    }
}
