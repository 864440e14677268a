package org.symile.app.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.experiments.Experiments;
import org.symile.app.run.Experiment;
import org.symile.app.run.Json;
import org.symile.app.run.Split;
import org.symile.app.runtime.NativeBuild;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.BatchSource;
import org.symile.app.train.GradientCache;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.Permutations;

/**
 * The executor side: each executor JVM keeps, per training job, idle model replicas with their open training split
 * (memory-mapped, as in a single-process run), so a round costs loading the driver's weights rather than opening
 * the data and building the model again. A replica serves one task at a time; concurrent tasks get their own.
 */
final class Replicas {

    static {
        NativeBuild.select(); // an executor JVM starts in Spark's code, not the CLI's; before ND4J loads
    }

    /** A model replica and the training split it reads its batches from. */
    private record Replica(Experiment<?> experiment, TrainableModel model, BatchSource train) {
        void close() {
            model.release();
            experiment.close();
        }
    }

    private static final Map<String, Deque<Replica>> IDLE = new ConcurrentHashMap<>();

    private Replicas() {
    }

    /**
     * Opens the job's training split and builds a replica, as the first round would (the executors' check before
     * training starts); returns the executor's host and the split's rows.
     */
    static String open(ReplicaJob job) {
        Replica r = acquire(job);
        try {
            return host() + " (" + r.train().rows() + " rows)";
        } finally {
            giveBack(job, r);
        }
    }

    /**
     * Trains a replica on its share of a round: the driver's weights and AdamW state, then one step per batch of
     * the task, stopping at a non-finite loss.
     *
     * @param state the driver's {@code {weights, optimizer state}} as {@link ArrayBundle}s
     * @param steps the driver's optimizer step count
     */
    static RoundResult train(ReplicaJob job, byte[][] state, long steps, RoundTask task) {
        Replica r = acquire(job);
        try {
            TrainableModel model = r.model();
            model.loadState(ArrayBundle.read(state[0]), "the driver's weights");
            model.restoreOptimizer(ArrayBundle.read(state[1]), steps);
            int n = task.batches().length;
            double[] losses = new double[n];
            int[] rows = new int[n];
            int done = 0;
            while (done < n) {
                Batch b = r.train().batchOf(task.batches()[done]);
                double loss = model.trainStep(b, Permutations.random(new RngStream(task.negativeSeeds()[done])));
                losses[done] = loss;
                rows[done] = b.rows();
                done++;
                if (!Double.isFinite(loss)) {
                    break;
                }
            }
            return new RoundResult(task.worker(), ArrayBundle.write(model.state()),
                    ArrayBundle.write(model.optimizerState()), model.optimizerSteps(),
                    Arrays.copyOf(losses, done), Arrays.copyOf(rows, done), host());
        } finally {
            giveBack(job, r);
        }
    }

    /**
     * One shared-gradient step of a worker: the driver's weights, then the gradients of the task's one batch,
     * nothing updated.
     */
    static GradientResult gradients(ReplicaJob job, byte[] weights, RoundTask task) {
        oneBatch(task);
        Replica r = acquire(job);
        try {
            TrainableModel model = r.model();
            model.loadState(ArrayBundle.read(weights), "the driver's weights");
            Batch b = r.train().batchOf(task.batches()[0]);
            TrainableModel.Gradients g = model.gradients(b, Permutations.random(new RngStream(
                    task.negativeSeeds()[0])));
            byte[] bytes = ArrayBundle.write(g.arrays());
            closeAll(g.arrays());
            return new GradientResult(task.worker(), bytes, g.loss(), b.rows());
        } finally {
            giveBack(job, r);
        }
    }

    /**
     * Phase 1 of a step with global negatives: the driver's weights, then the training-mode representations of the
     * task's one batch (encoded {@code --micro_batch_sz} rows at a time), nothing kept or updated.
     */
    static EncodeResult encode(ReplicaJob job, byte[] weights, RoundTask task) {
        oneBatch(task);
        Replica r = acquire(job);
        try {
            TrainableModel model = r.model();
            model.loadState(ArrayBundle.read(weights), "the driver's weights");
            Batch b = r.train().batchOf(task.batches()[0]);
            GradientCache.Encoded e = cache(model).encode(b, true);
            Map<String, INDArray> reps = new LinkedHashMap<>();
            for (int m = 0; m < e.representations().size(); m++) {
                reps.put("r" + m, e.representations().get(m));
            }
            byte[] bytes = ArrayBundle.write(reps);
            closeAll(reps);
            return new EncodeResult(task.worker(), bytes, b.rows());
        } finally {
            giveBack(job, r);
        }
    }

    /**
     * Phase 3 of a step with global negatives: the driver's weights, then the parameter gradients (and
     * running-statistics updates) of the batch's share of the driver's loss, nothing updated.
     */
    static GradientResult backpropagate(ReplicaJob job, byte[] weights, BackpropTask t) {
        oneBatch(t.task());
        Replica r = acquire(job);
        try {
            TrainableModel model = r.model();
            model.loadState(ArrayBundle.read(weights), "the driver's weights");
            cache(model);
            Batch b = r.train().batchOf(t.task().batches()[0]);
            Map<String, INDArray> g = ArrayBundle.read(t.gradients());
            List<INDArray> repGradients = new ArrayList<>();
            for (int m = 0; m < g.size(); m++) {
                repGradients.add(g.get("r" + m));
            }
            Map<String, INDArray> grads = model.gradientsOf(b, repGradients, t.gradLogScale());
            byte[] bytes = ArrayBundle.write(grads);
            closeAll(grads);
            closeAll(g);
            return new GradientResult(t.task().worker(), bytes, Double.NaN, b.rows());
        } finally {
            giveBack(job, r);
        }
    }

    private static GradientCache cache(TrainableModel model) {
        return model.gradientCache().orElseThrow(() -> new IllegalStateException("global negatives need a model"
                + " built for gradient-cached steps"));
    }

    private static void oneBatch(RoundTask task) {
        if (task.batches().length != 1) {
            throw new IllegalArgumentException("a shared-gradient task has one batch, not " + task.batches().length);
        }
    }

    private static void closeAll(Map<String, INDArray> arrays) {
        arrays.values().forEach(a -> {
            if (a.closeable()) {
                a.close();
            }
        });
    }

    /** Closes this JVM's replicas of a job (their models and data files). */
    static void release(String key) {
        Deque<Replica> idle = IDLE.remove(key);
        if (idle != null) {
            synchronized (idle) {
                idle.forEach(Replica::close);
                idle.clear();
            }
        }
    }

    /** Replicas of a job idle in this JVM's pool (0 once released). */
    static int idle(String key) {
        Deque<Replica> idle = IDLE.get(key);
        if (idle == null) {
            return 0;
        }
        synchronized (idle) {
            return idle.size();
        }
    }

    private static Replica acquire(ReplicaJob job) {
        Deque<Replica> idle = IDLE.computeIfAbsent(job.key(), k -> new ArrayDeque<>());
        synchronized (idle) {
            Replica r = idle.poll();
            if (r != null) {
                return r;
            }
        }
        return build(job);
    }

    private static void giveBack(ReplicaJob job, Replica r) {
        Deque<Replica> idle = IDLE.get(job.key());
        if (idle == null) { // released meanwhile
            r.close();
            return;
        }
        synchronized (idle) {
            idle.push(r);
        }
    }

    private static Replica build(ReplicaJob job) {
        RunSpec spec;
        try {
            spec = RunSpec.fromJson(Json.MAPPER.readTree(job.spec()), "the Spark job's arguments");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the Spark job's arguments are not JSON: " + e.getMessage(), e);
        }
        Experiment<?> experiment;
        try {
            experiment = Experiments.factory(spec.experiment()).open(spec, Json.MAPPER.readTree(job.architecture()),
                    EnumSet.of(Split.TRAIN));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the Spark job's architecture is not JSON: " + e.getMessage(), e);
        }
        try {
            TrainableModel model = experiment.buildModel(new RngStream(0), false); // the driver's weights follow
            if (job.optimizer()) {
                model.useOptimizer(spec.optimizer());
            }
            return new Replica(experiment, model, experiment.batches(Split.TRAIN));
        } catch (RuntimeException e) {
            experiment.close();
            throw e;
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown host";
        }
    }
}
