package org.symile.app.spec;

import java.util.regex.Pattern;

/**
 * Data-parallel training on a Spark cluster ({@code --spark_master}): {@code workers} model replicas, each training
 * on its own share of every epoch's batches (its own negatives), combined by the {@code trainingMaster}.
 *
 * @param master             {@code --spark_master}: {@code local[N]}, {@code spark://HOST:PORT}, {@code yarn},
 *                           {@code k8s://...} or {@code mesos://...}
 * @param trainingMaster     {@code --spark_training_master}: shared gradients (every step) or parameter averaging
 * @param workers            {@code --spark_workers}: model replicas (Spark partitions) per round; 0 = Spark's
 *                           default parallelism (the cores of {@code local[N]} or of the cluster's executors)
 * @param averagingFrequency {@code --spark_averaging_frequency}: with parameter averaging, steps each worker takes
 *                           between averages; 1 with shared gradients
 * @param negatives          {@code --spark_negatives}: each worker's rows against its own batch, or against the
 *                           whole step's (shared gradients only)
 */
public record SparkSpec(String master, SparkTrainingMaster trainingMaster, int workers, int averagingFrequency,
                        SparkNegatives negatives) {

    /** Masters Spark's own {@code SparkContext} accepts (cluster managers by their URL schemes). */
    private static final Pattern MASTER = Pattern.compile("local(\\[(\\*|[1-9]\\d*)(,\\d+)?])?"
            + "|spark://[^\\s:/,]+:\\d{1,5}(,[^\\s:/,]+:\\d{1,5})*|yarn|k8s://\\S+|mesos://\\S+");

    /** Default averaging frequency: DL4J's {@code ParameterAveragingTrainingMaster} default. */
    public static final int DEFAULT_AVERAGING_FREQUENCY = 5;

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public SparkSpec {
        if (master == null || !MASTER.matcher(master).matches()) {
            throw new IllegalArgumentException("--spark_master: expected local[N], local[*], spark://HOST:PORT, yarn,"
                    + " k8s://URL or mesos://URL, got '" + master + "'");
        }
        if (trainingMaster == null) {
            throw new IllegalArgumentException("--spark_training_master: required with --spark_master");
        }
        if (workers < 0) {
            throw new IllegalArgumentException("--spark_workers: expected 0 (Spark's default parallelism) or more,"
                    + " got " + workers);
        }
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("--spark_averaging_frequency: expected 1 or more steps, got "
                    + averagingFrequency);
        }
        if (trainingMaster == SparkTrainingMaster.SHARED_GRADIENTS && averagingFrequency != 1) {
            throw new IllegalArgumentException("--spark_averaging_frequency: applies to --spark_training_master"
                    + " parameter_averaging; shared_gradients combines the workers at every step");
        }
        if (negatives == null) {
            throw new IllegalArgumentException("--spark_negatives: required with --spark_master");
        }
        if (negatives == SparkNegatives.GLOBAL && trainingMaster != SparkTrainingMaster.SHARED_GRADIENTS) {
            throw new IllegalArgumentException("--spark_negatives global: needs every step's representations from"
                    + " all workers, which --spark_training_master parameter_averaging's independent replica steps"
                    + " do not have; use shared_gradients");
        }
    }

    /** Settings with each worker's negatives from its own batch. */
    public SparkSpec(String master, SparkTrainingMaster trainingMaster, int workers, int averagingFrequency) {
        this(master, trainingMaster, workers, averagingFrequency, SparkNegatives.LOCAL);
    }

    /** Whether the master runs everything in this JVM ({@code local[N]}): executors share its memory and files. */
    public boolean local() {
        return master.startsWith("local");
    }
}
