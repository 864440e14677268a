package org.symile.app.run;

import org.symile.app.spec.RunSpec;
import org.symile.app.train.TrainingLoop;

/** Starts the loop that trains a run's epochs once its experiment's data is open: a cluster's, or null. */
@FunctionalInterface
public interface LoopFactory {
    /** Trains every run in this process. */
    LoopFactory IN_PROCESS = (spec, experiment) -> null;

    /**
     * @return the loop, or null to train in this process
     * @throws IllegalArgumentException naming the flag when the loop cannot train this run
     */
    TrainingLoop start(RunSpec spec, Experiment<?> experiment);
}
