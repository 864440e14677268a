/**
 * {@code symile inspect} as a Java API ({@link org.symile.app.inspect.Inspection}): what a tensor file, a torch.save
 * archive, a checkpoint (a symile or a PyTorch Lightning one) or a data directory holds, read without loading
 * tensors whole and without running pickle code.
 */
package org.symile.app.inspect;
