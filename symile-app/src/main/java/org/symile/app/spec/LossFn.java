package org.symile.app.spec;

import java.util.Optional;
import org.symile.samediff.TupleObjective;
import org.symile.samediff.ZeroShot;

/**
 * Upstream's {@code --loss_fn}: the Symile objective, the pairwise CLIP baseline, or (extension) the GRAM and
 * TRIANGLE objectives that score a tuple by the volume or area its vectors span.
 */
public enum LossFn {
    /** Symile with the multilinear inner product (paper §3). */
    SYMILE("symile", ZeroShot.Score.SYMILE),
    /** Pairwise CLIP, summed over all pairs of modalities (upstream §1.6). */
    CLIP("clip", ZeroShot.Score.CLIP),
    /** GRAM: the volume sqrt|det G| of the tuple's Gram matrix, any M (see {@link TupleObjective#GRAM}). */
    GRAM("gram", ZeroShot.Score.GRAM),
    /** TRIANGLE: the area of the triangle of three vectors, M = 3 (see {@link TupleObjective#TRIANGLE}). */
    TRIANGLE("triangle", ZeroShot.Score.TRIANGLE);

    private final String flag;
    private final ZeroShot.Score score;

    LossFn(String flag, ZeroShot.Score score) {
        this.flag = flag;
        this.score = score;
    }

    /** {@code symile}, {@code clip}, {@code gram} or {@code triangle}. */
    public String flag() {
        return flag;
    }

    /** How zero-shot retrieval scores a query against candidates under this objective (upstream §1.7). */
    public ZeroShot.Score score() {
        return score;
    }

    /** The tuple objective (GRAM, TRIANGLE), empty for Symile and CLIP. */
    public Optional<TupleObjective> tupleObjective() {
        return TupleObjective.ofFlag(flag);
    }

    /** Whether the loss has Symile's negative sampling (only Symile does; the others contrast the [B, B] matrix). */
    public boolean samplesNegatives() {
        return this == SYMILE;
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
        throw new IllegalArgumentException("--loss_fn: expected symile, clip, gram or triangle, got '" + v
                + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
