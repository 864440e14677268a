package org.symile.app.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
import org.symile.app.spec.LossFn;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.SparkNegatives;
import org.symile.app.spec.SparkSpec;
import org.symile.app.spec.SparkTrainingMaster;
import org.symile.app.spec.TrainerSpec;
import org.symile.app.train.BatchSource;
import org.symile.app.train.Progress;
import org.symile.app.train.TrainState;
import org.symile.app.train.TrainableModel;
import org.symile.app.train.Trainer;
import org.symile.app.train.TrainingLoop;
import org.symile.data.TensorBatchIterator;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;

/**
 * Trains a run's epochs on a Spark cluster. Each epoch's row order and batches are drawn from the run's shuffle
 * stream exactly as in one process; batch {@code i} goes to worker {@code i mod W}, so every worker trains on its
 * own batches of {@code --batch_sz_train} rows, whose Symile negatives come from that batch alone (as upstream's
 * multi-GPU runs, where each GPU's batch is its own). Two training masters ({@code --spark_training_master}):
 * <ul>
 *   <li>shared gradients: every step is one Spark job; each worker computes its batch's gradients at the driver's
 *   weights and the driver takes one AdamW step on their mean, which is upstream's DistributedDataParallel update
 *   (one worker reproduces a single-process run's weights exactly, where negatives play no part);</li>
 *   <li>parameter averaging: a round is one job; each worker loads the driver's weights and AdamW state, takes up to
 *   {@code --spark_averaging_frequency} steps, and the driver averages the replicas' weights and moments (batch-norm
 *   running statistics and the logit scale included).</li>
 * </ul>
 * Results are combined in worker order, so a run repeats bit for bit. Validation, checkpoints and metrics run on
 * the driver as in a single-process run, and a checkpoint resumes either way.
 *
 * <p>A step trains {@code W × --batch_sz_train} rows at the learning rate given, and an epoch is
 * {@code ⌈batches / W⌉} steps instead of {@code batches}.
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
                Json.tree(experiment.architecture()).toString(),
                s.trainingMaster() == SparkTrainingMaster.PARAMETER_AVERAGING);
        try {
            int workers = s.workers() > 0 ? s.workers() : sc.defaultParallelism();
            List<String> found = SparkCluster.checkExecutors(sc, job, workers, s.master(),
                    String.valueOf(spec.dataDir()));
            int b = spec.trainer().batchSzTrain();
            if (s.negatives() == SparkNegatives.GLOBAL) {
                LOG.info("Spark {}: {} workers of {} rows each; global negatives: every row contrasted with the whole"
                                + " step's {} rows ({} per row), workers encode, the driver computes the loss, workers"
                                + " back-propagate their share; effective batch {} rows per step at --lr {};"
                                + " executors: {}", s.master(), workers, b, workers * b,
                        negativesPerRow(spec, workers * b), workers * b, spec.optimizer().lr(),
                        String.join(", ", new TreeSet<>(found)));
            } else {
                LOG.info("Spark {}: {} workers, each on its own batches of {} rows (Symile's negatives from that batch"
                                + " only: {} per row); {}; effective batch {} rows per step at --lr {}; executors: {}",
                        s.master(), workers, b, negativesPerRow(spec, b),
                        s.trainingMaster() == SparkTrainingMaster.SHARED_GRADIENTS
                                ? "their gradients averaged every step" : "replicas averaged every "
                                + s.averagingFrequency() + " steps (weights and AdamW moments)", workers * b,
                        spec.optimizer().lr(), String.join(", ", new TreeSet<>(found)));
            }
            return new SparkTraining(spec, sc, job, workers,
                    new Trainer(spec.trainer(), spec.optimizer(), experiment.divergenceHint()));
        } catch (RuntimeException e) {
            Replicas.release(job.key());
            sc.close();
            throw e;
        }
    }

    /**
     * What a row is contrasted with in a batch of {@code rows} (the Spark experiments have M = 3 modalities): Symile
     * O(N) rows − 1 negative tuples per anchor, O(N²) rows² − 1, CLIP rows − 1 candidates per pair.
     */
    static String negativesPerRow(RunSpec spec, long rows) {
        if (spec.loss().lossFn() == LossFn.CLIP) {
            return (rows - 1) + " negatives per pair";
        }
        return spec.loss().negativeSampling() == NegativeSampling.N_SQUARED ? (rows * rows - 1) + " negative tuples"
                : (rows - 1) + " negative tuples";
    }

    /** The number of model replicas trained side by side. */
    public int workers() {
        return workers;
    }

    @Override
    public void fit(TrainableModel model, BatchSource train, BatchSource val, TrainState state,
                    Trainer.Listener listener) {
        TrainerSpec config = spec.trainer();
        // with global negatives the driver draws every step's negatives (and validation's) from the run's stream as a
        // single process does; otherwise each batch gets a seed of its own for its worker
        Permutations valNegatives = Permutations.random(state.negatives());
        String prefix = listener.label() == null || listener.label().isEmpty() ? "" : "[" + listener.label() + "] ";
        boolean shared = spark.trainingMaster() == SparkTrainingMaster.SHARED_GRADIENTS;
        boolean global = spark.negatives() == SparkNegatives.GLOBAL;
        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            int limit = TrainerSpec.limit(train.batchCount(), config.limitTrainBatches());
            long[][] batches = batches(TensorBatchIterator.shuffledOrder(train.rows(), state.shuffle()),
                    config.batchSzTrain(), limit);
            long[] seeds = new long[batches.length];
            for (int i = 0; i < seeds.length && !global; i++) {
                seeds[i] = state.negatives().nextLong();
            }
            int perWorker = (batches.length + workers - 1) / workers;
            int rounds = (perWorker + spark.averagingFrequency() - 1) / spark.averagingFrequency();
            Progress progress = Progress.start(prefix + "epoch " + (epoch + 1) + "/" + config.epochs()
                    + (shared ? "" : " (rounds)"), rounds);
            double lossSum = 0;
            long seen = 0;
            try {
                for (int r = 0; r < rounds; r++) {
                    if (listener.stopRequested()) {
                        throw new CancellationException(prefix + "training stopped at epoch " + (epoch + 1));
                    }
                    long s0 = System.nanoTime();
                    List<RoundTask> tasks = tasks(batches, seeds, r, workers, spark.averagingFrequency());
                    Round done = global ? globalStep(model, tasks, valNegatives, listener, epoch, r)
                            : shared ? sharedStep(model, tasks, listener, epoch, r)
                            : averagingRound(model, tasks, listener, epoch, r);
                    double roundLoss = done.lossSum();
                    long roundRows = done.rows();
                    for (int i = 0; i < done.steps(); i++) {
                        state.nextStep();
                    }
                    lossSum += roundLoss;
                    seen += roundRows;
                    double seconds = (System.nanoTime() - s0) / 1e9;
                    listener.onStep(new Trainer.StepStats(epoch + 1, state.globalStep(), r + 1, rounds,
                            (int) roundRows, done.loss(), model.logitScale(), spec.optimizer().lr(),
                            roundRows / Math.max(seconds, 1e-9)));
                    progress.step(r + 1, done.loss(), seen / Math.max((System.nanoTime() - t0) / 1e9, 1e-9));
                }
            } finally {
                progress.end();
            }
            trainer.completeEpoch(model, val, state, listener, valNegatives, epoch, t0, lossSum, seen);
        }
    }

    /**
     * A round's losses times their batches' rows, its rows, the steps it counts as, and the loss it reports (their
     * row-weighted mean, or a global step's loss itself).
     */
    private record Round(double lossSum, long rows, int steps, double loss) {
        /**
         * The mean weighs each loss by its share of the rows, so that a round of one batch reports that batch's
         * loss to the bit (as one process does), which (loss·rows)/rows is not.
         */
        static Round of(List<Double> losses, List<Long> rows, int steps) {
            long total = 0;
            for (long n : rows) {
                total += n;
            }
            double sum = 0;
            double mean = 0;
            for (int i = 0; i < losses.size(); i++) {
                sum += losses.get(i) * rows.get(i);
                mean += losses.get(i) * ((double) rows.get(i) / total);
            }
            return new Round(sum, total, steps, mean);
        }
    }

    /**
     * A parameter-averaging round: every task's worker trains its replica from the driver's state, and the driver's
     * model becomes the replicas' mean.
     *
     * @return the round's loss, rows and steps (the most any worker took)
     */
    private Round averagingRound(TrainableModel model, List<RoundTask> tasks, Trainer.Listener listener,
                                    int epoch, int r) {
        Broadcast<byte[][]> state = sc.broadcast(new byte[][] {ArrayBundle.write(model.state()),
                ArrayBundle.write(model.optimizerState())});
        List<RoundResult> results = runJob(tasks, state, step(job, state, model.optimizerSteps()));
        List<Double> losses = new ArrayList<>();
        List<Long> rows = new ArrayList<>();
        int steps = 0;
        for (RoundResult res : results) {
            if (!res.finite()) {
                throw trainer.diverged(listener, res.losses()[res.losses().length - 1], epoch,
                        r * spark.averagingFrequency() + res.losses().length);
            }
            for (int i = 0; i < res.losses().length; i++) {
                losses.add(res.losses()[i]);
                rows.add((long) res.rows()[i]);
            }
            steps = Math.max(steps, res.losses().length);
        }
        average(model, results);
        return Round.of(losses, rows, steps);
    }

    /**
     * A shared-gradient step: every task's worker computes its batch's gradients at the driver's weights; the
     * driver applies their mean (each worker's batch weighs the same, as upstream's multi-GPU gradient average).
     *
     * @return the step's loss and rows, one step
     */
    private Round sharedStep(TrainableModel model, List<RoundTask> tasks, Trainer.Listener listener, int epoch,
                                int r) {
        Broadcast<byte[]> weights = sc.broadcast(ArrayBundle.write(model.state()));
        List<GradientResult> results = runJob(tasks, weights, gradientsOf(job, weights));
        List<Double> losses = new ArrayList<>();
        List<Long> rows = new ArrayList<>();
        List<byte[]> gradients = new ArrayList<>();
        for (GradientResult g : results) {
            if (!Double.isFinite(g.loss())) {
                throw trainer.diverged(listener, g.loss(), epoch, r + 1);
            }
            losses.add(g.loss());
            rows.add((long) g.rows());
            gradients.add(g.gradients());
        }
        Map<String, INDArray> mean = ArrayBundle.mean(gradients);
        model.applyGradients(mean);
        mean.values().forEach(INDArray::close);
        return Round.of(losses, rows, 1);
    }

    /** A step with global negatives ({@link GlobalNegativesStep}). */
    private Round globalStep(TrainableModel model, List<RoundTask> tasks, Permutations negatives,
                             Trainer.Listener listener, int epoch, int r) {
        GlobalNegativesStep.Result res = new GlobalNegativesStep(sc, job).run(model, tasks, negatives);
        if (!Double.isFinite(res.loss())) {
            throw trainer.diverged(listener, res.loss(), epoch, r + 1);
        }
        return new Round(res.loss() * res.rows(), res.rows(), 1, res.loss());
    }

    /** The shared-gradient task function; static so that the closure holds only what it names. */
    private static Function<RoundTask, GradientResult> gradientsOf(ReplicaJob job, Broadcast<byte[]> weights) {
        return task -> Replicas.gradients(job, weights.value(), task);
    }

    /** The epoch's first {@code limit} batches of the row order (the last one partial unless dropped). */
    static long[][] batches(long[] order, int batchSize, int limit) {
        long[][] out = new long[limit][];
        for (int i = 0; i < limit; i++) {
            int from = i * batchSize;
            int to = Math.min(order.length, from + batchSize);
            out[i] = Arrays.copyOfRange(order, from, to);
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

    private <T, R> List<R> runJob(List<T> tasks, Broadcast<?> shipped, Function<T, R> task) {
        return SparkCluster.runJob(sc, tasks, shipped, task);
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
            LOG.debug("Spark context for {} stopped", spark.master());
        }
    }
}
