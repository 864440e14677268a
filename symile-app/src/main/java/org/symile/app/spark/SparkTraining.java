package org.symile.app.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.run.Experiment;
import org.symile.app.run.Json;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.SparkSpec;
import org.symile.app.spec.TrainerSpec;
import org.symile.app.train.BatchSource;
import org.symile.app.train.Progress;
import org.symile.app.train.TrainState;
import org.symile.app.train.TrainableModel;
import org.symile.app.train.Trainer;
import org.symile.app.train.TrainingLoop;
import org.symile.data.TensorBatchIterator;
import org.symile.samediff.Permutations;

/**
 * Trains a run's epochs on a Spark cluster by parameter averaging. Each epoch's row order and batches are drawn
 * from the run's shuffle stream exactly as in one process; batch {@code i} goes to worker {@code i mod W}, so
 * every worker trains on its own batches of {@code --batch_sz_train} rows, whose Symile negatives come from that
 * batch alone (as upstream's multi-GPU runs, where each GPU's batch is its own). A round is one Spark job: every
 * worker loads the driver's weights and AdamW state, takes up to {@code --spark_averaging_frequency} steps, and
 * returns its weights and moments, which the driver averages (batch-norm running statistics and the logit scale
 * included) in worker order, so a run repeats bit for bit. Validation, checkpoints and metrics run on the driver
 * as in a single-process run, and a checkpoint resumes either way.
 *
 * <p>The effective batch of a round's steps is {@code W × --batch_sz_train} rows, at the learning rate given:
 * with frequency 1 averaging the replicas after each step is close to one step on the pooled batch (exactly so
 * for plain SGD; AdamW's moments are averaged rather than computed from the pooled gradient); larger frequencies
 * let replicas drift apart between averages. An epoch is {@code ⌈batches / W⌉} steps instead of
 * {@code batches}.
 */
public final class SparkTraining implements TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTraining.class);

    private final RunSpec spec;
    private final SparkSpec spark;
    private final JavaSparkContext sc;
    private final ReplicaJob job;
    private final int workers;
    private final Trainer trainer;

    private SparkTraining(RunSpec spec, JavaSparkContext sc, ReplicaJob job, int workers, Trainer trainer) {
        this.spec = spec;
        this.spark = spec.spark();
        this.sc = sc;
        this.job = job;
        this.workers = workers;
        this.trainer = trainer;
    }

    /**
     * Connects to {@code --spark_master} and checks that every worker's executor opens the training data and builds
     * the model, before the run creates anything.
     *
     * @throws IllegalArgumentException naming {@code --spark_master} or {@code --data_dir} when the cluster cannot
     *                                  train this run
     */
    public static SparkTraining start(RunSpec spec, Experiment<?> experiment) {
        SparkSpec s = spec.spark();
        if (s == null) {
            throw new IllegalArgumentException("--spark_master: not given");
        }
        JavaSparkContext sc = SparkCluster.connect(s, "symile train " + spec.experiment().flag());
        ReplicaJob job = new ReplicaJob(UUID.randomUUID().toString(), spec.toJson().toString(),
                Json.tree(experiment.architecture()).toString());
        try {
            int workers = s.workers() > 0 ? s.workers() : sc.defaultParallelism();
            List<String> found = SparkCluster.checkExecutors(sc, job, workers, s.master(),
                    String.valueOf(spec.dataDir()));
            LOG.info("Spark {}: {} workers, each trains a replica on its own batches of {} rows (Symile's negatives"
                            + " from that batch only); replicas averaged every {} steps (weights and AdamW moments);"
                            + " effective batch {} rows per step at --lr {}; executors: {}", s.master(), workers,
                    spec.trainer().batchSzTrain(), s.averagingFrequency(), workers * spec.trainer().batchSzTrain(),
                    spec.optimizer().lr(), String.join(", ", new java.util.TreeSet<>(found)));
            return new SparkTraining(spec, sc, job, workers,
                    new Trainer(spec.trainer(), spec.optimizer(), experiment.divergenceHint()));
        } catch (RuntimeException e) {
            Replicas.release(job.key());
            sc.close();
            throw e;
        }
    }

    /** The number of model replicas trained side by side. */
    public int workers() {
        return workers;
    }

    @Override
    public void fit(TrainableModel model, BatchSource train, BatchSource val, TrainState state,
                    Trainer.Listener listener) {
        TrainerSpec config = spec.trainer();
        Permutations valNegatives = Permutations.random(state.negatives());
        String prefix = listener.label() == null || listener.label().isEmpty() ? "" : "[" + listener.label() + "] ";
        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            int limit = TrainerSpec.limit(train.batchCount(), config.limitTrainBatches());
            long[][] batches = batches(TensorBatchIterator.shuffledOrder(train.rows(), state.shuffle()),
                    config.batchSzTrain(), limit);
            long[] seeds = new long[batches.length];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = state.negatives().nextLong();
            }
            int perWorker = (batches.length + workers - 1) / workers;
            int rounds = (perWorker + spark.averagingFrequency() - 1) / spark.averagingFrequency();
            Progress progress = Progress.start(prefix + "epoch " + (epoch + 1) + "/" + config.epochs() + " (rounds)",
                    rounds);
            double lossSum = 0;
            long seen = 0;
            try {
                for (int r = 0; r < rounds; r++) {
                    if (listener.stopRequested()) {
                        throw new CancellationException(prefix + "training stopped at epoch " + (epoch + 1));
                    }
                    long s0 = System.nanoTime();
                    List<RoundResult> results = round(model, tasks(batches, seeds, r, workers,
                            spark.averagingFrequency()));
                    double roundLoss = 0;
                    long roundRows = 0;
                    int steps = 0;
                    for (RoundResult res : results) {
                        if (!res.finite()) {
                            throw trainer.diverged(listener, res.losses()[res.losses().length - 1], epoch,
                                    r * spark.averagingFrequency() + res.losses().length);
                        }
                        for (int i = 0; i < res.losses().length; i++) {
                            roundLoss += res.losses()[i] * res.rows()[i];
                            roundRows += res.rows()[i];
                        }
                        steps = Math.max(steps, res.losses().length);
                    }
                    average(model, results);
                    for (int i = 0; i < steps; i++) {
                        state.nextStep();
                    }
                    lossSum += roundLoss;
                    seen += roundRows;
                    double seconds = (System.nanoTime() - s0) / 1e9;
                    listener.onStep(new Trainer.StepStats(epoch + 1, state.globalStep(), r + 1, rounds,
                            (int) roundRows, roundLoss / roundRows, model.logitScale(), spec.optimizer().lr(),
                            roundRows / Math.max(seconds, 1e-9)));
                    progress.step(r + 1, roundLoss / roundRows, seen / Math.max((System.nanoTime() - t0) / 1e9,
                            1e-9));
                }
            } finally {
                progress.end();
            }
            trainer.completeEpoch(model, val, state, listener, valNegatives, epoch, t0, lossSum, seen);
        }
    }

    /** The epoch's first {@code limit} batches of the row order (the last one partial unless dropped). */
    static long[][] batches(long[] order, int batchSize, int limit) {
        long[][] out = new long[limit][];
        for (int i = 0; i < limit; i++) {
            int from = i * batchSize;
            int to = Math.min(order.length, from + batchSize);
            out[i] = java.util.Arrays.copyOfRange(order, from, to);
        }
        return out;
    }

    /**
     * Round {@code r}'s tasks: worker w's share of the epoch is batches w, w + W, w + 2W, ...; in round r it trains
     * the {@code frequency} of them at positions [r·frequency, (r+1)·frequency). Workers with none left get no task.
     */
    static List<RoundTask> tasks(long[][] batches, long[] seeds, int r, int workers, int frequency) {
        int perWorker = (batches.length + workers - 1) / workers;
        List<RoundTask> tasks = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            List<long[]> mine = new ArrayList<>();
            List<Long> mySeeds = new ArrayList<>();
            for (int p = r * frequency; p < Math.min((r + 1) * frequency, perWorker); p++) {
                int i = p * workers + w;
                if (i < batches.length) {
                    mine.add(batches[i]);
                    mySeeds.add(seeds[i]);
                }
            }
            if (!mine.isEmpty()) {
                tasks.add(new RoundTask(w, mine.toArray(new long[0][]),
                        mySeeds.stream().mapToLong(Long::longValue).toArray()));
            }
        }
        return tasks;
    }

    /** One Spark job: the driver's state to every task's replica, its steps, the replicas' states back. */
    private List<RoundResult> round(TrainableModel model, List<RoundTask> tasks) {
        Broadcast<byte[][]> state = sc.broadcast(new byte[][] {ArrayBundle.write(model.state()),
                ArrayBundle.write(model.optimizerState())});
        try {
            return sc.parallelize(tasks, tasks.size()).map(step(job, state, model.optimizerSteps())).collect();
        } catch (RuntimeException e) {
            throw new IllegalStateException("a Spark task failed: " + SparkCluster.taskFailure(e), e);
        } finally {
            state.destroy();
        }
    }

    /** The task function; static so that the closure holds only what it names. */
    private static Function<RoundTask, RoundResult> step(ReplicaJob job, Broadcast<byte[][]> state, long steps) {
        return task -> Replicas.train(job, state.value(), steps, task);
    }

    /** The replicas' mean weights and AdamW state into the driver's model; its step count is the replicas' most. */
    private static void average(TrainableModel model, List<RoundResult> results) {
        List<byte[]> weights = new ArrayList<>();
        List<byte[]> optimizer = new ArrayList<>();
        long steps = 0;
        for (RoundResult r : results) {
            weights.add(r.weights());
            optimizer.add(r.optimizer());
            steps = Math.max(steps, r.steps());
        }
        Map<String, INDArray> w = ArrayBundle.mean(weights);
        model.loadState(w, "the replicas' average");
        w.values().forEach(INDArray::close);
        Map<String, INDArray> o = ArrayBundle.mean(optimizer);
        model.restoreOptimizer(o, steps);
        o.values().forEach(INDArray::close);
    }

    /** Releases this JVM's replicas and stops the Spark context. */
    @Override
    public void close() {
        try {
            Replicas.release(job.key());
        } finally {
            sc.close();
            LOG.debug(String.format(Locale.ROOT, "Spark context for %s stopped", spark.master()));
        }
    }
}
