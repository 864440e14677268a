/**
 * The paper's three experiments, each an {@link org.symile.app.run.Experiment} the runner drives:
 * {@code xor} (binary XOR, one run per p̂), {@code m3} (Symile-M3) and {@code mimic} (Symile-MIMIC);
 * {@link org.symile.app.experiments.Experiments} picks the one a spec names.
 */
package org.symile.app.experiments;
