package org.symile.app.train;

/**
 * How a run's epochs are trained: in this process ({@link Trainer}) or by model replicas on a Spark cluster
 * (the CLI passes {@code org.symile.app.spark.SparkTraining}). Either way the same listener sees every step and epoch, so
 * checkpoints, metrics and validation do not depend on where the steps ran.
 */
public interface TrainingLoop extends AutoCloseable {

    /**
     * Trains from {@code state.epoch()} to {@code --epochs}, drawing every epoch's order and negatives from the
     * state's streams, and calls the listener after every step and epoch.
     *
     * @throws TrainingDivergedException when a training loss is NaN or infinite
     */
    void fit(TrainableModel model, BatchSource train, BatchSource val, TrainState state, Trainer.Listener listener);

    /** Frees what the loop holds (a cluster connection); nothing for a loop in this process. */
    @Override
    default void close() {
    }
}
