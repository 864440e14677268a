package org.symile.app.train;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.memory.NativeMemoryGuard;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.spec.TrainerSpec;
import org.symile.samediff.Permutations;

/**
 * The training loop shared by every experiment (upstream's Lightning {@code Trainer.fit}): epochs of AdamW steps
 * over shuffled batches, validation every {@code check_val_every_n_epoch} epochs, {@code limit_*_batches}, NaN
 * detection, a progress line per epoch, and a listener that checkpoints. Everything random comes from the
 * {@link TrainState}'s streams, so a run resumed from a checkpoint continues exactly.
 */
public final class Trainer implements TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /** Metrics of one epoch; validation entries are NaN when validation did not run. */
    public record EpochStats(int epoch, double trainLoss, double valLoss, Map<String, Double> valMetrics,
                             double logitScaleExp, double samplesPerSecond, double seconds) {
        public boolean validated() {
            return !Double.isNaN(valLoss);
        }
    }

    /**
     * One training step.
     *
     * @param step            training steps taken so far in the run, this one included (1-based)
     * @param batch           this step's batch within the epoch (1-based), of {@code batches}
     * @param rows            this step's examples
     * @param samplesPerSecond this step's rows over its wall time
     */
    public record StepStats(int epoch, long step, int batch, int batches, int rows, double trainLoss,
                            double logitScaleExp, double lr, double samplesPerSecond) {
    }

    /** Experiment hooks. */
    public interface Listener {
        /** After every training step (metrics files). */
        default void onStep(StepStats stats) {
        }

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

    private final TrainerSpec config;
    private final OptimizerSpec optimizer;
    private final String hints;
    /** Seconds per epoch of the current fit, for the ETA. */
    private EtaEstimate eta = new EtaEstimate();

    /**
     * @param hints advice shown, after the learning rate, when the loss diverges (e.g. the flags to change)
     */
    public Trainer(TrainerSpec config, OptimizerSpec optimizer, String hints) {
        this.config = config;
        this.optimizer = optimizer;
        this.hints = hints;
    }

    public TrainerSpec config() {
        return config;
    }

    /**
     * Trains from {@code state.epoch()} to {@code --epochs}: shuffled batches, one optimizer step each, validation
     * every {@code --check_val_every_n_epoch} epochs, and the listener after every epoch.
     *
     * @throws TrainingDivergedException when a training loss is NaN or infinite
     */
    @Override
    public void fit(TrainableModel model, BatchSource train, BatchSource val, TrainState state, Listener listener) {
        NativeMemoryGuard guard = NativeMemoryGuard.standard();
        Permutations negatives = Permutations.random(state.negatives());
        eta = new EtaEstimate();
        for (int epoch = state.epoch(); epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            double lossSum = 0;
            long seen = 0;
            int limit = TrainerSpec.limit(train.batchCount(), config.limitTrainBatches());
            Iterator<Batch> it = train.epoch(state.shuffle());
            Progress progress = Progress.start(prefix(listener) + "epoch " + (epoch + 1) + "/" + config.epochs(),
                    limit);
            for (int i = 0; i < limit && it.hasNext(); i++) {
                if (listener.stopRequested()) {
                    progress.end();
                    throw new CancellationException(prefix(listener) + "training stopped at epoch " + (epoch + 1));
                }
                Batch b = it.next();
                long s0 = System.nanoTime();
                double loss = model.trainStep(b, negatives);
                double stepSeconds = (System.nanoTime() - s0) / 1e9;
                if (!Double.isFinite(loss)) {
                    throw diverged(listener, loss, epoch, i + 1);
                }
                lossSum += loss * b.rows();
                seen += b.rows();
                state.nextStep();
                guard.step();
                double rate = b.rows() / Math.max(stepSeconds, 1e-9);
                listener.onStep(new StepStats(epoch + 1, state.globalStep(), i + 1, limit, b.rows(), loss,
                        model.logitScale(), optimizer.lr(), rate));
                progress.step(i + 1, loss, seen / Math.max((System.nanoTime() - t0) / 1e9, 1e-9));
            }
            progress.end();
            completeEpoch(model, val, state, listener, negatives, epoch, t0, lossSum, seen);
        }
    }

    /**
     * The end of an epoch whose training steps are done, however they ran (here, or on a Spark cluster): the epoch
     * counter, validation when due, the listener's {@code onEpochEnd} (checkpoints) and the epoch's log line.
     *
     * @param epoch   the epoch just trained (0-based)
     * @param t0      {@link System#nanoTime()} when the epoch started
     * @param lossSum the training losses times their batches' rows
     * @param seen    the rows trained
     */
    public void completeEpoch(TrainableModel model, BatchSource val, TrainState state, Listener listener,
                              Permutations negatives, int epoch, long t0, double lossSum, long seen) {
        state.setEpoch(epoch + 1);
        LOG.debug("epoch {}: resident {} MiB", epoch + 1, NativeMemoryGuard.residentBytes() >> 20);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        double valLoss = Double.NaN;
        Map<String, Double> metrics = Map.of();
        if ((epoch + 1) % config.checkValEveryNEpoch() == 0) {
            valLoss = validationLoss(model, val, negatives);
            metrics = listener.validationMetrics(epoch + 1);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double scale = model.logitScale();
        EpochStats stats = new EpochStats(epoch + 1, seen == 0 ? Double.NaN : lossSum / seen, valLoss, metrics,
                scale, seen / Math.max(trainSeconds, 1e-9), seconds);
        state.record(stats);
        listener.onEpochEnd(stats);
        eta.record(seconds);
        long remaining = (config.epochs() - epoch - 1) + listener.epochsAfterThisFit();
        LOG.info("{}epoch {}/{}  train_loss {}  val_loss {}{}  logit_scale_exp {}  {} samples/s  ETA {}",
                prefix(listener), epoch + 1, config.epochs(), fmt(stats.trainLoss()), fmt(valLoss),
                formatMetrics(metrics), fmt(scale), String.format(stats.samplesPerSecond() < 10 ? "%.2f" : "%,.0f",
                        stats.samplesPerSecond()), duration(eta.secondsLeft(remaining)));
    }

    /**
     * The message of a non-finite training loss.
     *
     * @param step the step within the epoch (1-based)
     */
    public TrainingDivergedException diverged(Listener listener, double loss, int epoch, int step) {
        return new TrainingDivergedException(String.format("%strain loss is %s at epoch %d, step %d: the run diverged."
                        + " Try a lower --lr (now %g)%s", prefix(listener), loss, epoch + 1, step, optimizer.lr(),
                hints == null ? "" : "; " + hints));
    }

    /** Mean validation loss over rows (batch-size weighted, as Lightning's epoch mean). */
    public double validationLoss(TrainableModel model, BatchSource val, Permutations negatives) {
        int limit = TrainerSpec.limit(val.batchCount(), config.limitValBatches());
        Iterator<Batch> it = val.epoch(null);
        double sum = 0;
        long rows = 0;
        for (int i = 0; i < limit && it.hasNext(); i++) {
            Batch b = it.next();
            sum += model.evalLoss(b, negatives) * b.rows();
            rows += b.rows();
        }
        return rows == 0 ? Double.NaN : sum / rows;
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
