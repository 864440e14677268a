package org.symile.app.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.TrainableModel;

/**
 * A trained model's file read into what rebuilds the model: the experiment, the run's arguments (flag names), the
 * experiment's architecture record and a loader that copies the file's weights into a freshly built model. The
 * file is either a symile checkpoint ({@link Checkpoint}) or a checkpoint written by upstream's Lightning code,
 * whose parameters the experiment maps onto this project's names.
 *
 * @param file         the file, for messages
 * @param kind         the experiment the model belongs to
 * @param spec         the run's arguments (for an upstream file: its {@code hyper_parameters} that are train flags)
 * @param architecture the {@link Experiment#architecture()} JSON the experiment rebuilds the model from
 * @param weights      copies the weights into a model built from {@code spec} and {@code architecture}
 * @param upstream     whether the file came from upstream's Lightning code
 */
public record ModelSource(Path file, ExperimentKind kind, RunSpec spec, JsonNode architecture, Weights weights,
                          boolean upstream) {

    /** Copies a file's weights into a model. */
    @FunctionalInterface
    public interface Weights {
        /**
         * @throws IllegalArgumentException naming the parameter and both shapes when the model does not fit
         */
        void loadInto(TrainableModel model, String source);
    }

    public ModelSource {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(weights, "weights");
    }

    /** A symile checkpoint: its recorded arguments and architecture, weights by variable name. */
    public static ModelSource of(Path file, Checkpoint ckpt) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> vars = ckpt.variables();
        return new ModelSource(file, ckpt.meta().kind(), RunSpec.fromJson(ckpt.meta().args(), "--ckpt_path " + file),
                ckpt.meta().architecture(), (model, source) -> model.loadState(vars, source), false);
    }

    /** How messages name the file. */
    public String source() {
        return "--ckpt_path " + file;
    }
}
