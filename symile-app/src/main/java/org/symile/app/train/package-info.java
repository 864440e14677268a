/**
 * Training: the epoch loop ({@link org.symile.app.train.Trainer}), the model contract it drives
 * ({@link org.symile.app.train.TrainableModel}; SameDiff graphs through {@link org.symile.app.train.SameDiffModel}),
 * AdamW, batches and seeded random streams.
 */
package org.symile.app.train;
