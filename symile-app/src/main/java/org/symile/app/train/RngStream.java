package org.symile.app.train;

import java.util.random.RandomGenerator;

/**
 * A seeded random stream whose whole state is one long (SplitMix64), so checkpoints can store it and a resumed
 * run continues the exact same sequence. Every place randomness enters a run (data generation, initialisation,
 * shuffling, negative sampling, bootstrap draws) gets its own stream derived from the run seed and a tag.
 */
public final class RngStream implements RandomGenerator {
    private long state;

    public RngStream(long state) {
        this.state = state;
    }

    /** A stream for one purpose: the seed mixed with a tag and indices (e.g. "shuffle", p̂ index). */
    public static RngStream derive(long seed, String tag, long... ids) {
        long h = mix(seed ^ 0x5851F42D4C957F2DL);
        for (int i = 0; i < tag.length(); i++) {
            h = mix(h ^ tag.charAt(i));
        }
        for (long id : ids) {
            h = mix(h ^ id);
        }
        return new RngStream(h);
    }

    @Override
    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** The current state; {@code new RngStream(state())} continues this stream exactly. */
    public long state() {
        return state;
    }

    public void restore(long s) {
        this.state = s;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
