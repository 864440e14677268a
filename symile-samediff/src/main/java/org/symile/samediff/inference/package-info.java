/**
 * Trained Symile and CLIP models as building blocks: {@link org.symile.samediff.inference.MultimodalEncoder}
 * (encode each modality's batch into the learned representation space, score tuples with the learned scale,
 * retrieve and rank candidates) and {@link org.symile.samediff.inference.TupleScores} (the scores themselves).
 * The experiments' models implement the interface in the application module, which loads checkpoints.
 */
package org.symile.samediff.inference;
