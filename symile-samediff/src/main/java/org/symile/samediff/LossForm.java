package org.symile.samediff;

/**
 * How a contrastive loss enters a SameDiff graph. Both forms give the same value and the same gradients.
 */
public enum LossForm {
    /**
     * Every operation is a graph op; SameDiff differentiates it. Works with {@code SameDiff.fit}, listeners and
     * anything that executes the graph without calling {@link LossGraph#feed} (the O(N) Symile loss still needs its
     * permutations fed).
     */
    GRAPH,
    /**
     * The loss and its gradient are computed eagerly in closed form (softmax minus one-hot, then GEMMs) and enter
     * the graph through an exact surrogate ({@link LossGraph#feed} computes them, so it must be called before
     * every execution). Much faster where the [B, B] logits dominate (binary_xor: B 1000, d 16), at the price of
     * one extra forward pass of whatever produces the representations, so it suits cheap encoders.
     */
    CLOSED_FORM;

    /**
     * Whether the closed forms' float32 softmax pass runs on the JDK Vector API in this JVM (it needs
     * {@code --add-modules jdk.incubator.vector}); without it a scalar loop gives the same values, more slowly.
     */
    public static boolean vectorised() {
        return SoftmaxRows.vectorised();
    }
}
