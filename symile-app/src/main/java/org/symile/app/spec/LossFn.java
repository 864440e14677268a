package org.symile.app.spec;

import org.symile.samediff.ZeroShot;

/** Upstream's {@code --loss_fn}: the Symile objective or the pairwise CLIP baseline. */
public enum LossFn {
    /** Symile with the multilinear inner product (paper §3). */
    SYMILE("symile", ZeroShot.Score.SYMILE),
    /** Pairwise CLIP, summed over all pairs of modalities (upstream §1.6). */
    CLIP("clip", ZeroShot.Score.CLIP);

    private final String flag;
    private final ZeroShot.Score score;

    LossFn(String flag, ZeroShot.Score score) {
        this.flag = flag;
        this.score = score;
    }

    /** {@code symile} or {@code clip}. */
    public String flag() {
        return flag;
    }

    /** How zero-shot retrieval scores a query against candidates under this objective (upstream §1.7). */
    public ZeroShot.Score score() {
        return score;
    }

    /**
     * Parses upstream's {@code --loss_fn} value.
     *
     * @throws IllegalArgumentException naming the flag and the accepted values
     */
    public static LossFn fromFlag(String v) {
        for (LossFn f : values()) {
            if (f.flag.equals(v)) {
                return f;
            }
        }
        throw new IllegalArgumentException("--loss_fn: expected symile or clip, got '" + v + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
