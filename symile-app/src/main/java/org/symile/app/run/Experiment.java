package org.symile.app.run;

import java.util.random.RandomGenerator;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.train.BatchSource;
import org.symile.app.train.TrainableModel;

/**
 * What one experiment contributes to a run; the {@link ExperimentRunner} does the rest (run directory, seeds,
 * resume, trainer, checkpoints, run_info.json, test-time bootstrap). An instance holds its open data and is
 * closed by the runner.
 *
 * @param <M> the model type; any {@link TrainableModel}, whether a SameDiff graph or a DL4J network
 */
public interface Experiment<M extends TrainableModel> extends AutoCloseable {

    /** How the test split is evaluated more than once ({@code --bootstrap}). */
    enum Bootstrap {
        /** Encode the test split once and resample the encodings with replacement (symile_m3, symile_mimic). */
        RESAMPLE,
        /** Draw a fresh test set each time (binary_xor, upstream §3.6). */
        FRESH_DRAWS
    }

    ExperimentKind kind();

    /**
     * What, besides the spec, a later process needs to rebuild the same model (input sizes, vocabulary), as a
     * record that serialises to JSON; stored in every checkpoint.
     */
    Object architecture();

    /**
     * A new model with random initialisation from {@code init}.
     *
     * @param pretrained load pretrained weights where the spec asks for them (false when a checkpoint will
     *                   overwrite every weight anyway)
     */
    M buildModel(RandomGenerator init, boolean pretrained);

    /** Loss batches: {@link Split#TRAIN} (shuffled each epoch by the trainer) or {@link Split#VAL}. */
    BatchSource batches(Split split);

    /**
     * The retrieval set of {@link Split#VAL} or {@link Split#TEST}, encoded by {@code model} in evaluation mode.
     *
     * @param draw which fresh test set ({@link Bootstrap#FRESH_DRAWS}; 0 otherwise)
     */
    Encodings encode(M model, Split split, int draw);

    default Bootstrap bootstrap() {
        return Bootstrap.RESAMPLE;
    }

    default CheckpointPolicy checkpointPolicy() {
        return CheckpointPolicy.KEEP_ALL;
    }

    /** Flags to try, besides a lower {@code --lr}, when the loss diverges. */
    String divergenceHint();

    /** Closes the experiment's data files. */
    @Override
    default void close() {
    }
}
