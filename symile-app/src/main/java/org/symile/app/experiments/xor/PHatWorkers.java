package org.symile.app.experiments.xor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.runtime.Backend;

/**
 * Trains several p̂ values at once ({@code --p_hat_workers}). Every p̂ has its own model, optimizer, data and random
 * streams (derived from the seed and the p̂ index), so the results are the same whatever the number of workers and
 * whatever order they finish in. With more than one worker ND4J runs every op on one thread: the models are too
 * small to use more, and a thread count that depends on what else is running would change the order of floating
 * point sums from run to run.
 */
final class PHatWorkers {
    private static final Logger LOG = LoggerFactory.getLogger(PHatWorkers.class);

    /** One p̂'s training and test; polls {@code stop} between steps. */
    @FunctionalInterface
    interface Job {
        void run(BooleanSupplier stop);
    }

    private PHatWorkers() {
    }

    /** Workers to use: {@code requested}, or with 0 one per CPU core; never more than there are jobs. */
    static int resolve(int requested, int jobs) {
        int w = requested > 0 ? requested : Runtime.getRuntime().availableProcessors();
        return Math.max(1, Math.min(w, jobs));
    }

    /**
     * Runs the jobs in order, {@code workers} at a time. The first failure stops the others at their next step and
     * is rethrown as it was thrown (a diverged p̂ keeps its advice for the user).
     */
    static void run(List<Job> jobs, int workers) {
        if (workers <= 1) {
            for (Job j : jobs) {
                j.run(() -> false);
            }
            return;
        }
        Backend.setThreads(1);
        LOG.info("binary_xor: training {} p_hat values at a time, one thread each", workers);
        AtomicBoolean failed = new AtomicBoolean();
        AtomicInteger names = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "p_hat-worker-" + names.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> futures = new ArrayList<>();
        for (Job j : jobs) {
            futures.add(pool.submit(() -> {
                if (failed.get()) {
                    return;
                }
                try {
                    j.run(failed::get);
                } catch (RuntimeException | Error e) {
                    failed.set(true);
                    throw e;
                }
            }));
        }
        pool.shutdown();
        Throwable first = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed.set(true);
                pool.shutdownNow();
                throw new IllegalStateException("binary_xor: interrupted", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                boolean stoppedByOther = cause instanceof CancellationException;
                if (first == null || (first instanceof CancellationException && !stoppedByOther)) {
                    first = cause;
                }
            }
        }
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error err) {
            throw err;
        }
    }
}
