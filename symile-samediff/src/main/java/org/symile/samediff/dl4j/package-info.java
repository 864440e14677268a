/**
 * Symile for DL4J networks: the loss as an output layer after a merge of per-modality encoders.
 */
package org.symile.samediff.dl4j;
