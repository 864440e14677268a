/**
 * binary_xor (paper §5.1): the synthetic data's model, one run per p̂ with its zero-shot test
 * ({@link org.symile.app.experiments.xor.XorSweep}), and upstream's exact information terms.
 */
package org.symile.app.experiments.xor;
