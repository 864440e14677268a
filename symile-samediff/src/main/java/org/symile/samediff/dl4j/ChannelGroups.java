package org.symile.samediff.dl4j;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Splits the channels of an NCHW pass into contiguous groups, one per thread of ND4J's thread count
 * ({@code Environment.maxThreads()}): the Java batch-norm passes then use the cores that libnd4j's kernels use.
 * Each channel is handled by one group, so results do not depend on the number of groups.
 */
final class ChannelGroups {
    private ChannelGroups() {
    }

    /** Channels [from, to) of one group. */
    interface Body {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} on the groups of c channels: the first on the calling thread, the others on the common
     * fork-join pool; returns when all are done and rethrows the first failure.
     */
    static void run(int c, Body body) {
        int groups = Math.max(1, Math.min(c, Nd4j.getEnvironment().maxThreads()));
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[groups - 1];
        for (int t = 1; t < groups; t++) {
            int from = (int) ((long) c * t / groups);
            int to = (int) ((long) c * (t + 1) / groups);
            others[t - 1] = ForkJoinPool.commonPool().submit(() -> body.run(from, to));
        }
        body.run(0, (int) ((long) c / groups));
        for (ForkJoinTask<?> other : others) {
            other.join();
        }
    }
}
