/**
 * DL4J layers and vertices for {@code ComputationGraph}s, each gradient-checked: the Symile or CLIP loss as an
 * output layer after a merge of per-modality encoders ({@link org.symile.samediff.dl4j.SymileOutputLayer} with its
 * labels, {@link org.symile.samediff.dl4j.SymileLabels}); torchvision's ResNet-18/50
 * ({@link org.symile.samediff.dl4j.TorchvisionResNet}) built from {@link org.symile.samediff.dl4j.TorchConv2d},
 * {@link org.symile.samediff.dl4j.TorchBatchNorm2d} (PyTorch's batch-norm semantics) and
 * {@link org.symile.samediff.dl4j.AddReluVertex} (residual sums) on libnd4j's oneDNN kernels
 * ({@link org.symile.samediff.dl4j.NativeOps}); exact GELU and LayerNorm layers for the MLP heads.
 */
package org.symile.samediff.dl4j;
