package org.symile.app.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.runtime.NativeMemoryGuard;
import org.symile.samediff.Permutations;

/**
 * The training loop shared by every experiment (upstream's Lightning {@code Trainer.fit}): epochs of AdamW steps
 * over shuffled batches, validation every {@code check_val_every_n_epoch} epochs, {@code limit_*_batches}, NaN
 * detection, a progress line per epoch, and a listener that checkpoints. Everything random comes from the
 * {@link TrainState}'s streams, so a run resumed from a checkpoint continues exactly.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /**
     * @param epochs                 total epochs (upstream {@code --epochs})
     * @param checkValEveryNEpoch    validate after every n-th epoch
     * @param limitTrainBatches      fraction (≤ 1.0) or number (> 1) of training batches per epoch
     * @param limitValBatches        fraction or number of validation batches
     * @param optimizer              AdamW settings
     * @param hints                  advice shown when the loss diverges (e.g. the flags to change)
     */
    public record Config(int epochs, int checkValEveryNEpoch, double limitTrainBatches, double limitValBatches,
                         AdamW.Config optimizer, String hints) {
        public Config {
            if (epochs < 1) {
                throw new IllegalArgumentException("--epochs: expected >= 1, got " + epochs);
            }
            if (checkValEveryNEpoch < 1) {
                throw new IllegalArgumentException("--check_val_every_n_epoch: expected >= 1, got "
                        + checkValEveryNEpoch);
            }
            checkLimit(limitTrainBatches, "--limit_train_batches");
            checkLimit(limitValBatches, "--limit_val_batches");
        }

        private static void checkLimit(double v, String flag) {
            if (!(v >= 0) || !Double.isFinite(v) || (v > 1 && v != Math.rint(v))) {
                throw new IllegalArgumentException(flag + ": expected a fraction in [0, 1] or a whole number of"
                        + " batches, got " + v);
            }
        }
    }

    /** Metrics of one epoch; validation entries are NaN when validation did not run. */
    public record EpochStats(int epoch, double trainLoss, double valLoss, Map<String, Double> valMetrics,
                             double logitScaleExp, double samplesPerSecond, double seconds) {
        public boolean validated() {
            return !Double.isNaN(valLoss);
        }
    }

    /** Experiment hooks. */
    public interface Listener {
        /** Extra validation metrics (e.g. {@code val_acc}) after the validation loss of this epoch. */
        default Map<String, Double> validationMetrics(int epoch) {
            return Map.of();
        }

        /** End of an epoch: checkpointing, bookkeeping. */
        void onEpochEnd(EpochStats stats);

        /** Prefix of progress lines (e.g. "p_hat 0.3"). */
        default String label() {
            return "";
        }

        /** Epochs still to train after this fit (e.g. later p̂ values), for the ETA. */
        default long epochsAfterThisFit() {
            return 0;
        }

        /** Polled before every training step; true ends the fit with a {@link CancellationException}. */
        default boolean stopRequested() {
            return false;
        }
    }

    private final Config config;
    private final WorkspaceMemory workspace = new WorkspaceMemory("symile_train_step");

    public Trainer(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** Trains from {@code state.epoch()} to {@code config.epochs()}. */
    public void fit(TrainableModel model, BatchSource train, BatchSource val, TrainState state, Listener listener) {
        SameDiff sd = model.graph();
        String lossName = model.loss().loss().name();
        List<String> outputs = new ArrayList<>();
        outputs.add(lossName);
        outputs.addAll(model.trainingOutputs());
        NativeMemoryGuard guard = NativeMemoryGuard.standard();
        Permutations negatives = Permutations.random(state.negatives());
        if (sd.getFunction("grad") == null) {
            sd.createGradFunction();
        }
        boolean useWorkspace = model.stepWorkspace();
        if (useWorkspace) {
            workspace.attach(sd);
        }
        double secondsPerEpoch = Double.NaN;
        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            double lossSum = 0;
            long seen = 0;
            int limit = limit(train.batchCount(), config.limitTrainBatches());
            Iterator<Batch> it = train.epoch(state.shuffle());
            for (int i = 0; i < limit && it.hasNext(); i++) {
                if (listener.stopRequested()) {
                    throw new CancellationException(prefix(listener) + "training stopped at epoch " + (epoch + 1));
                }
                Batch b = it.next();
                Map<String, INDArray> feed = new HashMap<>(model.placeholders(b, true));
                model.loss().feed(sd, feed, b.rows(), negatives);
                org.nd4j.autodiff.samediff.api.OutAndGrad result = inStepMemory(useWorkspace,
                        () -> sd.calculateGradientsAndOutputs(feed, outputs, model.trainable()));
                double loss = result.getOutputs().get(lossName).getDouble(0);
                if (!Double.isFinite(loss)) {
                    throw new TrainingDivergedException(String.format("%strain loss is %s at epoch %d, step %d: the"
                                    + " run diverged. Try a lower --lr (now %g)%s", prefix(listener), loss, epoch + 1,
                            i + 1, config.optimizer().lr(), config.hints() == null ? "" : "; " + config.hints()));
                }
                Map<String, INDArray> params = new LinkedHashMap<>();
                for (String v : model.trainable()) {
                    params.put(v, sd.getVariable(v).getArr());
                }
                state.optimizer().step(params, result.getGradients());
                model.afterTrainingStep(result.getOutputs());
                // return the step's buffers to the allocator now rather than at the next garbage collection
                close(result.getGradients().values());
                close(result.getOutputs().values());
                lossSum += loss * b.rows();
                seen += b.rows();
                state.nextStep();
                guard.step();
            }
            state.setEpoch(epoch + 1);
            LOG.debug("epoch {}: resident {} MiB, {} collections requested", epoch + 1,
                    NativeMemoryGuard.residentBytes() >> 20, guard.collections());
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            double valLoss = Double.NaN;
            Map<String, Double> metrics = Map.of();
            if ((epoch + 1) % config.checkValEveryNEpoch() == 0) {
                valLoss = validationLoss(model, val, negatives);
                metrics = listener.validationMetrics(epoch + 1);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double scale = Math.exp(sd.getArrForVarName(model.logScaleName()).getDouble(0));
            EpochStats stats = new EpochStats(epoch + 1, seen == 0 ? Double.NaN : lossSum / seen, valLoss, metrics,
                    scale, seen / Math.max(trainSeconds, 1e-9), seconds);
            state.record(stats);
            listener.onEpochEnd(stats);
            secondsPerEpoch = Double.isNaN(secondsPerEpoch) ? seconds : 0.8 * secondsPerEpoch + 0.2 * seconds;
            long remaining = (config.epochs() - epoch - 1) + listener.epochsAfterThisFit();
            LOG.info("{}epoch {}/{}  train_loss {}  val_loss {}{}  logit_scale_exp {}  {} samples/s  ETA {}",
                    prefix(listener), epoch + 1, config.epochs(), fmt(stats.trainLoss()), fmt(valLoss),
                    formatMetrics(metrics), fmt(scale), String.format(stats.samplesPerSecond() < 10 ? "%.2f" : "%,.0f", stats.samplesPerSecond()),
                    duration(remaining * secondsPerEpoch));
        }
    }

    /** Runs one graph execution inside the step workspace when the model uses one. */
    private <T> T inStepMemory(boolean useWorkspace, java.util.function.Supplier<T> body) {
        if (!useWorkspace) {
            return body.get();
        }
        try (var ws = workspace.open()) {
            return body.get();
        }
    }

    private static void close(Iterable<INDArray> arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    /** Mean validation loss over rows (batch-size weighted, as Lightning's epoch mean). */
    public double validationLoss(TrainableModel model, BatchSource val, Permutations negatives) {
        SameDiff sd = model.graph();
        String lossName = model.loss().loss().name();
        int limit = limit(val.batchCount(), config.limitValBatches());
        Iterator<Batch> it = val.epoch(null);
        boolean useWorkspace = model.stepWorkspace();
        if (useWorkspace) {
            workspace.attach(sd);
        }
        double sum = 0;
        long rows = 0;
        for (int i = 0; i < limit && it.hasNext(); i++) {
            Batch b = it.next();
            Map<String, INDArray> feed = new HashMap<>(model.placeholders(b, false));
            model.loss().feed(sd, feed, b.rows(), negatives);
            Map<String, INDArray> out = inStepMemory(useWorkspace, () -> sd.output(feed, lossName));
            double loss = out.get(lossName).getDouble(0);
            close(out.values());
            sum += loss * b.rows();
            rows += b.rows();
        }
        return rows == 0 ? Double.NaN : sum / rows;
    }

    /** Batches to use of {@code total} under a Lightning-style limit (fraction ≤ 1 or count > 1). */
    public static int limit(int total, double limit) {
        if (limit > 1) {
            return (int) Math.min(total, (long) limit);
        }
        if (limit == 0) {
            return 0;
        }
        return Math.max(1, (int) Math.floor(total * limit));
    }

    private static String prefix(Listener l) {
        String s = l.label();
        return s == null || s.isEmpty() ? "" : "[" + s + "] ";
    }

    private static String formatMetrics(Map<String, Double> metrics) {
        StringBuilder sb = new StringBuilder();
        metrics.forEach((k, v) -> sb.append("  ").append(k).append(' ').append(fmt(v)));
        return sb.toString();
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.4f", v);
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) {
            return "-";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
