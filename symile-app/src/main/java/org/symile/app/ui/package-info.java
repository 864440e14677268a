/**
 * DL4J's training UI for this project's runs: {@link org.symile.app.ui.TrainingDashboard} reports each training
 * step to a stats file in the run directory and, with {@code train --ui True}, to the UI served while the run
 * trains; {@code symile ui RUN_DIR...} serves saved runs afterwards.
 */
package org.symile.app.ui;
