package org.symile.app.train;

import java.security.SecureRandom;

/** Upstream's seeding rule: {@code --use_seed True} uses {@code --seed}; otherwise a fresh seed is drawn. */
public final class Seeds {
    private Seeds() {
    }

    /** The seed a run uses; a drawn one is recorded in the run's files so the run can be repeated. */
    public static long resolve(boolean useSeed, long seed) {
        return useSeed ? seed : new SecureRandom().nextLong();
    }
}
