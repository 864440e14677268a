/**
 * {@code --experiment custom}: Symile (or any objective) over a user's own M modalities of split tensors, with
 * MLP encoders over features, categories and mean-pooled tokens, learned embeddings for absent modalities, and
 * zero-shot retrieval of a target modality among each test block's candidates.
 */
package org.symile.app.experiments.custom;
