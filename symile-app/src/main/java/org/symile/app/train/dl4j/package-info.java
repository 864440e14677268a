/**
 * The DL4J engine: {@link org.symile.app.train.dl4j.GraphModel} (per-modality encoders, a merge and the Symile loss
 * as the output layer of one {@code ComputationGraph}; DL4J's forward and backward passes with its workspaces, the
 * batch-norm running statistics moved as PyTorch does, the memory estimate from the graph's configuration) and
 * {@code FlatAdamW}, PyTorch's AdamW over the network's flattened parameter vector. Symile-MIMIC trains on it.
 */
package org.symile.app.train.dl4j;
