/**
 * SameDiff building blocks the experiments need, each gradient-checked: linear, LayerNorm, GELU, L2 normalisation,
 * embedding, batch norm, torchvision ResNets and a BERT/XLM-R layer.
 */
package org.symile.samediff.nn;
