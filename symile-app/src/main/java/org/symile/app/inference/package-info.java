/**
 * Trained models as Java building blocks: {@link org.symile.app.inference.TrainedModel} loads a checkpoint of any
 * experiment (written by this project or, for symile_m3 and symile_mimic, by upstream's Lightning code) as a
 * {@link org.symile.samediff.inference.MultimodalEncoder}; {@link org.symile.app.inference.SplitEmbeddings} streams
 * a split's representations into {@code .npy} files. No CLI types: the {@code embed} command and users' own code
 * call the same API.
 */
package org.symile.app.inference;
