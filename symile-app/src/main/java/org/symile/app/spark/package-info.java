/**
 * Data-parallel training on a Spark cluster ({@code train --spark_master}): the driver keeps the run (its model
 * for validation, checkpoints, metrics) and Spark tasks train model replicas on their shares of each epoch's
 * batches, read by every executor from the split tensors where they are stored; the replicas' weights and AdamW
 * moments are averaged every {@code --spark_averaging_frequency} steps (parameter averaging, as DL4J's
 * {@code ParameterAveragingTrainingMaster}, with this project's AdamW and checkpoints).
 */
package org.symile.app.spark;
