/**
 * Symile-MIMIC's split layout (upstream §6.3): tensors, retrieval candidates.
 */
package org.symile.data.mimic;
