/**
 * The run specification: typed, immutable records for everything a {@code train} or {@code test} run is told
 * ({@link org.symile.app.spec.RunSpec}, {@link org.symile.app.spec.TestSpec}), each validated once, in its
 * constructor, with errors naming upstream's flag. {@link org.symile.app.spec.TrainFlags} is the one table of
 * flag names; CLI options, checkpoint metadata, run_info.json and sweep keys all use it.
 */
package org.symile.app.spec;
