package org.symile.samediff;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a Symile loss draws the negative tuples of each anchor (paper §3, upstream {@code --negative_sampling}).
 *
 * <ul>
 *   <li>{@link #N}: O(N) negatives. For every anchor and every step, each non-anchor modality gets an
 *       independent uniform row permutation; column j of the logits is the anchor scored against the
 *       j-th permuted tuple, and the diagonal holds the positive. Each anchor row sees B - 1 negatives.</li>
 *   <li>{@link #N_SQUARED}: all B^(M-1) combinations of non-anchor rows (for M = 3, the B^2 tuples of
 *       upstream's cyclic-roll construction). Deterministic.</li>
 * </ul>
 */
public enum NegativeSampling {
    N("n"),
    N_SQUARED("n_squared");

    private final String flag;

    NegativeSampling(String flag) {
        this.flag = flag;
    }

    /** The value used on the command line and in checkpoints ({@code n} or {@code n_squared}). */
    public String flag() {
        return flag;
    }

    /**
     * Parses upstream's flag value.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code value} is not one of them
     */
    public static NegativeSampling fromFlag(String value) {
        if (value != null) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            for (NegativeSampling ns : values()) {
                if (ns.flag.equals(v)) {
                    return ns;
                }
            }
        }
        throw new IllegalArgumentException("negative_sampling: expected one of "
                + Arrays.stream(values()).map(NegativeSampling::flag).collect(Collectors.joining(", "))
                + ", got '" + value + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
