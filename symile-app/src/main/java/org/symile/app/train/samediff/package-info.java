/**
 * The SameDiff engine: {@link org.symile.app.train.samediff.SameDiffModel} (encoders, logit scale and the Symile or
 * CLIP loss in one SameDiff graph; gradients from the graph, each step's intermediates in a reused workspace or
 * freed as soon as backprop is done with them) and {@link org.symile.app.train.samediff.AdamW}, PyTorch's AdamW
 * tensor by tensor. binary_xor and Symile-M3 train on it.
 */
package org.symile.app.train.samediff;
