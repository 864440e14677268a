package org.symile.app.spec;

/**
 * {@code --spark_training_master}: how replicas on a Spark cluster combine their work, as DL4J's two training
 * masters (here with this project's AdamW).
 */
public enum SparkTrainingMaster {
    /**
     * Every step, each worker computes the gradient of its own batch's mean loss; the driver averages them and takes
     * one AdamW step: upstream's multi-GPU (DistributedDataParallel) update, with each worker's negatives from its
     * own batch.
     */
    SHARED_GRADIENTS("shared_gradients"),
    /**
     * Each worker trains its replica for {@code --spark_averaging_frequency} steps; then the replicas' weights and
     * AdamW moments are averaged (DL4J's {@code ParameterAveragingTrainingMaster}).
     */
    PARAMETER_AVERAGING("parameter_averaging");

    private final String flag;

    SparkTrainingMaster(String flag) {
        this.flag = flag;
    }

    /** {@code shared_gradients} or {@code parameter_averaging}. */
    public String flag() {
        return flag;
    }

    /**
     * Parses {@code --spark_training_master}.
     *
     * @throws IllegalArgumentException naming the flag and the accepted values
     */
    public static SparkTrainingMaster fromFlag(String v) {
        for (SparkTrainingMaster m : values()) {
            if (m.flag.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("--spark_training_master: expected shared_gradients or"
                + " parameter_averaging, got '" + v + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
