/**
 * Synthetic data: binary XOR (upstream §3.1) and small Symile-M3 and Symile-MIMIC sets in upstream's layout.
 */
package org.symile.data.synthetic;
