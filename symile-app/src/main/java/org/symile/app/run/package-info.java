/**
 * The experiment runner: one {@link org.symile.app.run.TrainingRun} per model (start or resume, seeds, trainer,
 * checkpoint policy, run_info.json, metrics.csv and its charts), test-time evaluation over encodings cached once,
 * the checkpoint format and the run directories ({@link org.symile.app.run.RunDirectory}). Experiments plug in
 * through {@link org.symile.app.run.Experiment}; where the epochs train is a
 * {@link org.symile.app.run.LoopFactory}'s choice.
 */
package org.symile.app.run;
