/**
 * Split tensors: .npy, torch .pt and safetensors readers, split directories, batch iterators and DataVec readers.
 */
package org.symile.data;
