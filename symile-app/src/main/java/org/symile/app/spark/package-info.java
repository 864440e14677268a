/**
 * Data-parallel training on a Spark cluster ({@code train --spark_master}), a
 * {@link org.symile.app.train.TrainingLoop} the CLI and sweeps hand to the runner: the driver keeps the run (its
 * model for validation, checkpoints, metrics) and Spark tasks work on model replicas with their shares of each
 * epoch's batches, read by every executor from the split tensors where they are stored. Two training masters
 * ({@code --spark_training_master}): shared gradients (the default: every step each worker computes its batch's
 * gradients at the driver's weights and the driver applies their mean, upstream's DistributedDataParallel update)
 * and parameter averaging (replicas take {@code --spark_averaging_frequency} steps, then their weights and AdamW
 * moments are averaged, as DL4J's {@code ParameterAveragingTrainingMaster}), both with this project's AdamW and
 * checkpoints. Executors rebuild the experiment through {@link org.symile.app.experiments.Experiments#factory}.
 */
package org.symile.app.spark;
