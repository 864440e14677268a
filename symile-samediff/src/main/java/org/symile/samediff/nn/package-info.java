/**
 * SameDiff building blocks the experiments need, each gradient-checked: linear, LayerNorm, GELU, L2 normalisation,
 * embedding and a BERT/XLM-R layer. (The ResNets are DL4J layers: {@code org.symile.samediff.dl4j}.)
 */
package org.symile.samediff.nn;
