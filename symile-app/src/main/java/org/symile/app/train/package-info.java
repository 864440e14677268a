/**
 * Training, whatever engine runs the model: the epoch loop ({@link org.symile.app.train.Trainer}, one of the
 * {@link org.symile.app.train.TrainingLoop}s), the contract it drives
 * ({@link org.symile.app.train.TrainableModel}: step, gradients, state, optimizer hand-off, one state-loading
 * check), the {@link org.symile.app.train.Optimizer} contract and AdamW's update
 * ({@link org.symile.app.train.AdamWUpdate}), batches and their sources, seeded random streams and progress lines.
 * The two engines are subpackages: {@code samediff} (a model that is one SameDiff graph, per-tensor AdamW) and
 * {@code dl4j} (a model that is one DL4J {@code ComputationGraph}, AdamW over its flattened parameters).
 */
package org.symile.app.train;
