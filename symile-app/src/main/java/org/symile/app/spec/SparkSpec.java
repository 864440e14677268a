package org.symile.app.spec;

import java.util.regex.Pattern;

/**
 * Data-parallel training on a Spark cluster ({@code --spark_master}): parameter averaging over {@code workers}
 * model replicas, each training on its own share of every epoch's batches (its own negatives) for
 * {@code averagingFrequency} steps between averages of the weights and AdamW moments.
 *
 * @param master             {@code --spark_master}: {@code local[N]}, {@code spark://HOST:PORT}, {@code yarn},
 *                           {@code k8s://...} or {@code mesos://...}
 * @param workers            {@code --spark_workers}: model replicas (Spark partitions) per round; 0 = Spark's
 *                           default parallelism (the cores of {@code local[N]} or of the cluster's executors)
 * @param averagingFrequency {@code --spark_averaging_frequency}: steps each worker takes between averages
 */
public record SparkSpec(String master, int workers, int averagingFrequency) {

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
        if (workers < 0) {
            throw new IllegalArgumentException("--spark_workers: expected 0 (Spark's default parallelism) or more,"
                    + " got " + workers);
        }
        if (averagingFrequency < 1) {
            throw new IllegalArgumentException("--spark_averaging_frequency: expected 1 or more steps, got "
                    + averagingFrequency);
        }
    }

    /** Whether the master runs everything in this JVM ({@code local[N]}): executors share its memory and files. */
    public boolean local() {
        return master.startsWith("local");
    }
}
