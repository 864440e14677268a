/**
 * The experiment runner: one {@link org.symile.app.run.TrainingRun} per model (start or resume, seeds, trainer,
 * checkpoint policy, run_info.json), test-time evaluation over encodings cached once, and the checkpoint format.
 * Experiments plug in through {@link org.symile.app.run.Experiment}.
 */
package org.symile.app.run;
