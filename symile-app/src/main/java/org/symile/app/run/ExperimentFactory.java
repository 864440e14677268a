package org.symile.app.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import org.symile.app.spec.RunSpec;

/** Opens an experiment's data for a run. */
@FunctionalInterface
public interface ExperimentFactory {

    /**
     * @param architecture the {@link Experiment#architecture()} a checkpoint recorded, or null for a fresh run
     *                     (then derived from the data)
     * @param splits       the splits to open: {@link Split#TRAIN} and {@link Split#VAL} to train, {@link Split#TEST}
     *                     to test
     * @throws IllegalArgumentException naming the file or flag when the data does not fit
     */
    Experiment<?> open(RunSpec spec, JsonNode architecture, Set<Split> splits);
}
