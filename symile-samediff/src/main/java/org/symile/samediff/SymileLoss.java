package org.symile.samediff;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The Symile loss (Saporta et al. 2024, §3; upstream {@code symile/loss.py}) for any number M ≥ 2 of modalities.
 *
 * <p>For representations r_1..r_M, each [B, d], and scale s = exp(log s), every modality in turn is the anchor x;
 * its logits score x_i against a set of negative tuples with the multilinear inner product
 * MIP(x_i, y, z, ...) = Σ_k x_ik·y_k·z_k·…, and the loss is the mean over the M anchors of the softmax
 * cross-entropy (mean over rows) whose target is the positive tuple (r_1[i], ..., r_M[i]):
 * <pre>
 *   loss = (1/M) Σ_anchor (1/B) Σ_i [ logΣ_{n ∈ N_i} exp(s·MIP(x_i, n)) − s·MIP(r_1[i], …, r_M[i]) ]
 * </pre>
 * where N_i holds the positive and the negatives of row i, chosen by {@link NegativeSampling}:
 * <ul>
 *   <li>{@code N}: the B − 1 permuted tuples (y[π(j)], z[σ(j)], …), j ≠ i, with permutations fed per step
 *       through {@link LossGraph#feed};</li>
 *   <li>{@code N_SQUARED}: all B^(M-1) tuples of non-anchor rows. This also works for M = 2 (upstream crashes
 *       there). The default form builds the [B^(M-1), d] candidate product in the graph; the memory-lean form
 *       ({@link Config#memoryLean()}) never holds it: the loss and its gradients are computed chunk by chunk by
 *       {@link SymileNSquaredLean} and enter the graph as a surrogate whose gradients are exactly those values
 *       (which costs one extra forward pass of whatever produced the representations, as gradient
 *       checkpointing does).</li>
 * </ul>
 * Only the set N_i matters to the loss, so the column order of upstream's roll-based layout is not reproduced;
 * the value is identical.
 */
public final class SymileLoss {

    /**
     * Default budget of one lean chunk, in elements of candidates plus logits (1 MiB of float32); a chunk always
     * holds at least one row of the first non-anchor.
     */
    public static final long DEFAULT_LEAN_CHUNK_ELEMENTS = 1L << 18;

    /**
     * @param negativeSampling  which negatives each anchor row sees
     * @param memoryLean        O(N²) only: compute the loss chunk by chunk without the [B^(M-1), d] product
     * @param leanChunkElements lean mode: upper bound on the elements of one chunk's candidates plus logits
     * @param form              O(N) only: {@link LossForm#CLOSED_FORM} computes the loss and its gradient eagerly
     *                          ({@link SymileNClosedForm}); O(N²) has its eager form in {@code memoryLean}
     * @param labelSmoothing    PyTorch's label smoothing ε in [0, 1) in each anchor's cross-entropy, over its
     *                          row's classes (B for O(N), B^(M-1) for O(N²)); 0 is upstream's loss
     * @param anchors           the 0-based modalities whose cross-entropies are averaged, distinct; empty for every
     *                          modality (upstream)
     */
    public record Config(NegativeSampling negativeSampling, boolean memoryLean, long leanChunkElements,
                         LossForm form, double labelSmoothing, List<Integer> anchors) {
        public Config {
            Objects.requireNonNull(negativeSampling, "negative_sampling");
            Objects.requireNonNull(form, "form");
            if (memoryLean && negativeSampling != NegativeSampling.N_SQUARED) {
                throw new IllegalArgumentException("memory-lean mode applies to negative_sampling n_squared only, got "
                        + negativeSampling);
            }
            if (form == LossForm.CLOSED_FORM && negativeSampling != NegativeSampling.N) {
                throw new IllegalArgumentException("the closed form applies to negative_sampling n only (n_squared"
                        + " has the memory-lean mode), got " + negativeSampling);
            }
            if (leanChunkElements < 1) {
                throw new IllegalArgumentException("lean chunk size: expected >= 1 element, got " + leanChunkElements);
            }
            checkLabelSmoothing(labelSmoothing);
            anchors = anchors == null ? List.of() : List.copyOf(anchors);
            if (anchors.stream().anyMatch(a -> a < 0) || anchors.stream().distinct().count() != anchors.size()) {
                throw new IllegalArgumentException("Symile loss: anchors must be distinct modality indices, got "
                        + anchors);
            }
        }

        /** Upstream's loss (no smoothing, every anchor) in the given form. */
        public Config(NegativeSampling negativeSampling, boolean memoryLean, long leanChunkElements, LossForm form) {
            this(negativeSampling, memoryLean, leanChunkElements, form, 0, List.of());
        }

        /** A configuration in the {@link LossForm#GRAPH} form. */
        public Config(NegativeSampling negativeSampling, boolean memoryLean, long leanChunkElements) {
            this(negativeSampling, memoryLean, leanChunkElements, LossForm.GRAPH);
        }

        /** The standard (in-graph) loss for the given negative sampling. */
        public static Config of(NegativeSampling negativeSampling) {
            return new Config(negativeSampling, false, DEFAULT_LEAN_CHUNK_ELEMENTS);
        }

        /** The memory-lean O(N²) loss. */
        public static Config lean() {
            return new Config(NegativeSampling.N_SQUARED, true, DEFAULT_LEAN_CHUNK_ELEMENTS);
        }

        /** The same configuration in the given form. */
        public Config withForm(LossForm newForm) {
            return new Config(negativeSampling, memoryLean, leanChunkElements, newForm, labelSmoothing, anchors);
        }

        /** The same configuration with label smoothing ε. */
        public Config withLabelSmoothing(double eps) {
            return new Config(negativeSampling, memoryLean, leanChunkElements, form, eps, anchors);
        }

        /** The same configuration averaging the given anchors (null or none: every modality). */
        public Config withAnchors(int... modalities) {
            List<Integer> list = modalities == null ? List.of() : Arrays.stream(modalities).boxed().toList();
            return new Config(negativeSampling, memoryLean, leanChunkElements, form, labelSmoothing, list);
        }

        /** The anchors as an array, or null for every modality (the convention of the loss forms). */
        int[] anchorArray() {
            return anchors.isEmpty() ? null : anchors.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The anchors checked against M: every modality when none were chosen. */
        int[] chosenAnchors(int m) {
            return TupleObjectiveLoss.anchorsOf(anchorArray(), m);
        }

        /**
         * Checks the anchors against M modalities (the same check and message as GRAM's and TRIANGLE's, which CLIP's
         * anchors share).
         *
         * @throws IllegalArgumentException naming {@code --anchors}
         */
        public void checkModalities(int m) {
            chosenAnchors(m);
        }
    }

    /** ε itself if 0 ≤ ε &lt; 1. */
    static double checkLabelSmoothing(double eps) {
        if (!(eps >= 0 && eps < 1)) {
            throw new IllegalArgumentException("Symile loss: label smoothing must be in [0, 1), got " + eps);
        }
        return eps;
    }

    private final Config config;
    /** The representations' width when the graph cannot tell it, or -1. */
    private final long width;

    public SymileLoss(Config config) {
        this(config, -1);
    }

    private SymileLoss(Config config, long width) {
        this.config = Objects.requireNonNull(config, "config");
        this.width = width;
    }

    /**
     * The same loss, told the representations' width d for graphs where SameDiff cannot infer it (op outputs have
     * no static shape in M2.1): narrow widths then get the O(N) graph's faster form. Values and gradients do not
     * change.
     */
    public SymileLoss withWidth(long d) {
        // a hint for the graph forms; the closed form reads the width off the arrays
        if (d < 1) {
            throw new IllegalArgumentException("Symile loss: width must be >= 1, got " + d);
        }
        return new SymileLoss(config, d);
    }

    public SymileLoss(NegativeSampling negativeSampling) {
        this(Config.of(negativeSampling));
    }

    public Config config() {
        return config;
    }

    /**
     * Builds the loss into {@code sd}.
     *
     * @param name  prefix for the loss variable and its placeholders (the loss is named {@code name})
     * @param reps  M ≥ 2 representation variables, each [B, d] with the same B and d; modality order is the order
     *              of the list (anchor order and non-anchor order follow it)
     * @param scale the logit scale
     * @return the loss and what it needs fed per batch
     * @throws IllegalArgumentException for M &lt; 2 or statically known shapes that disagree
     */
    public LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale) {
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scale, "scale");
        GraphMath.checkReps(reps, "Symile loss");
        List<SDVariable> r = List.copyOf(reps);
        int[] anchors = config.chosenAnchors(r.size());
        if (config.form() == LossForm.CLOSED_FORM || config.memoryLean()) {
            return new SurrogateLossGraph(sd, name, r, scale, EagerLoss.symile(config), "Symile loss");
        }
        if (config.negativeSampling() == NegativeSampling.N) {
            return new SymileNGraph(sd, name, r, scale, null, null, width, config.labelSmoothing(), anchors);
        }
        return new SymileNSquaredGraph(sd, name, r, scale, config.labelSmoothing(), anchors);
    }

    /**
     * Builds the loss with its O(N) inputs taken from graph variables instead of the placeholders
     * {@link LossGraph#feed} fills: column a·(M-1)+k of {@code permutations} ([B, M(M-1)], any numeric type)
     * holds the row permutation of non-anchor k of anchor a, and {@code identity} is a [B, B] identity matrix.
     * For graphs whose extra inputs are fixed, such as a DL4J output layer's labels. Deterministic samplings
     * ignore both. Always the {@link LossForm#GRAPH} form (a surrogate cannot be fed inside a DL4J layer).
     */
    public LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale,
                           SDVariable permutations, SDVariable identity) {
        Objects.requireNonNull(permutations, "permutations");
        Objects.requireNonNull(identity, "identity");
        if (config.form() == LossForm.CLOSED_FORM) {
            throw new IllegalArgumentException("Symile loss: the closed form takes its permutations through feed(),"
                    + " not as graph inputs; build it with build(sd, name, reps, scale)");
        }
        if (config.negativeSampling() != NegativeSampling.N) {
            return build(sd, name, reps, scale);
        }
        Objects.requireNonNull(sd, "sd");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scale, "scale");
        GraphMath.checkReps(reps, "Symile loss");
        return new SymileNGraph(sd, name, List.copyOf(reps), scale, permutations, identity, width,
                config.labelSmoothing(), config.chosenAnchors(reps.size()));
    }
}
