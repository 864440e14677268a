package org.symile.app.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.config.TrainArgs;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.TrainState;
import org.symile.app.train.Trainer;
import org.symile.data.io.AtomicFiles;

/**
 * Bookkeeping shared by the Symile-M3 and Symile-MIMIC runs (spec §2.5, §5.6, §6.6): a checkpoint
 * {@code epoch=E-val_loss=V.ckpt} after every validation (all kept), {@code last.ckpt} after every epoch for
 * resuming, and {@code run_info.json} with the per-validation metrics and the run's flags.
 */
public final class RunState {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainArgs args;
    private final Path runDir;
    private final long seed;
    private final ObjectNode modelMeta;
    private final ArrayNode validation = JSON.createArrayNode();

    /**
     * @param modelMeta what is needed to rebuild the model for testing (sizes, vocabulary), stored in checkpoints
     */
    public RunState(TrainArgs args, Path runDir, long seed, ObjectNode modelMeta) {
        this.args = args;
        this.runDir = runDir;
        this.seed = seed;
        this.modelMeta = modelMeta;
    }

    public Path runDir() {
        return runDir;
    }

    public long seed() {
        return seed;
    }

    /** Records a validation, writes its checkpoint, and refreshes run_info.json. */
    public void onEpochEnd(Trainer.EpochStats stats, SameDiff sd, TrainState state) {
        if (stats.validated()) {
            ObjectNode v = validation.addObject();
            v.put("epoch", stats.epoch() - 1);
            v.put("val_loss", stats.valLoss());
            stats.valMetrics().forEach(v::put);
            String name = String.format(Locale.ROOT, "epoch=%d-val_loss=%.4f.ckpt", stats.epoch() - 1, stats.valLoss());
            checkpoint(sd, state).write(runDir.resolve(name));
            writeRunInfo();
        }
        checkpoint(sd, state).write(runDir.resolve("last.ckpt"));
    }

    /** The checkpoint of the current state. */
    public Checkpoint checkpoint(SameDiff sd, TrainState state) {
        ObjectNode m = Checkpoint.newMeta();
        m.put("experiment", args.experiment().flag());
        m.put("save_dir", runDir.toString());
        m.put("seed", seed);
        m.set("args", JSON.valueToTree(args.toFlags()));
        m.set("model", modelMeta);
        m.set("trainer", state.toJson());
        m.set("validation_metrics", validation.deepCopy());
        return new Checkpoint(m, variables(sd), state.optimizer().state());
    }

    /** Restores variables, optimizer, counters, streams and the validation history from a checkpoint. */
    public void restore(Checkpoint c, SameDiff sd, TrainState state) {
        for (Map.Entry<String, INDArray> e : c.variables().entrySet()) {
            SDVariable v = sd.getVariable(e.getKey());
            if (v == null || v.getArr() == null || !Arrays.equals(v.getArr().shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("--ckpt_path: checkpoint variable '" + e.getKey()
                        + "' does not fit this model (different --d or model sizes?)");
            }
            v.getArr().assign(e.getValue());
        }
        state.restore((ObjectNode) c.meta().path("trainer"), c.optimizer());
        validation.removeAll();
        c.meta().path("validation_metrics").forEach(validation::add);
    }

    /** Every variable and constant of the graph (weights, log-scale, batch-norm running statistics). */
    public static Map<String, INDArray> variables(SameDiff sd) {
        Map<String, INDArray> vars = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if ((v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT)
                    && v.getArr() != null) {
                vars.put(v.name(), v.getArr());
            }
        }
        return vars;
    }

    /** Copies checkpoint variables into a graph built for testing. */
    public static void load(Checkpoint c, SameDiff sd, String source) {
        for (Map.Entry<String, INDArray> e : c.variables().entrySet()) {
            SDVariable v = sd.getVariable(e.getKey());
            if (v == null || v.getArr() == null || !Arrays.equals(v.getArr().shape(), e.getValue().shape())) {
                throw new IllegalArgumentException(source + ": checkpoint variable '" + e.getKey()
                        + "' does not fit the model rebuilt from its own arguments");
            }
            v.getArr().assign(e.getValue());
        }
    }

    /** Best val_acc (or lowest val_loss when no accuracy was recorded) over the validations so far. */
    public Map<String, Double> bestMetrics() {
        double bestAcc = Double.NaN;
        double bestLoss = Double.NaN;
        for (var v : validation) {
            double acc = v.path("val_acc").asDouble(Double.NaN);
            double loss = v.path("val_loss").asDouble(Double.NaN);
            bestAcc = Double.isNaN(bestAcc) || acc > bestAcc ? acc : bestAcc;
            bestLoss = Double.isNaN(bestLoss) || loss < bestLoss ? loss : bestLoss;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", bestLoss);
        m.put("val_acc", bestAcc);
        return m;
    }

    /** {@code run_info.json}: {validation_metrics, args, wandb: null}. */
    public void writeRunInfo() {
        ObjectNode info = JSON.createObjectNode();
        info.set("validation_metrics", validation.deepCopy());
        info.set("args", JSON.valueToTree(args.toFlags()));
        info.putNull("wandb");
        info.put("seed", seed);
        try {
            AtomicFiles.writeString(runDir.resolve("run_info.json"), JSON.writeValueAsString(info) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
