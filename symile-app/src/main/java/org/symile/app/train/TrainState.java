package org.symile.app.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The trainer's side of a run that changes as it goes and must survive a resume: completed epochs, steps, the
 * shuffle and negative-sampling random streams, and the per-epoch metrics. (The model and its optimizer keep
 * their own state; see {@link TrainableModel}.)
 */
public final class TrainState {
    private int epoch;
    private long globalStep;
    private final RngStream shuffle;
    private final RngStream negatives;
    private final List<Trainer.EpochStats> history = new ArrayList<>();

    public TrainState(RngStream shuffle, RngStream negatives) {
        this.shuffle = shuffle;
        this.negatives = negatives;
    }

    /** Epochs completed. */
    public int epoch() {
        return epoch;
    }

    void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    /** Training steps taken. */
    public long globalStep() {
        return globalStep;
    }

    /** Counts one more training step of the run. */
    public void nextStep() {
        globalStep++;
    }

    /** Orders the training rows of every epoch. */
    public RngStream shuffle() {
        return shuffle;
    }

    /** Draws Symile's O(N) negatives (training and validation). */
    public RngStream negatives() {
        return negatives;
    }

    void record(Trainer.EpochStats stats) {
        history.add(stats);
    }

    /** Metrics of every completed epoch. */
    public List<Trainer.EpochStats> history() {
        return Collections.unmodifiableList(history);
    }

    /**
     * The state as plain values for a checkpoint.
     *
     * @param epoch        epochs completed
     * @param globalStep   training steps taken
     * @param rngShuffle   the shuffle stream's state
     * @param rngNegatives the negatives stream's state
     * @param history      one entry per completed epoch
     */
    public record Snapshot(int epoch, long globalStep, long rngShuffle, long rngNegatives,
                           List<EpochRecord> history) {
    }

    /** One epoch's metrics as stored; {@code valLoss} is null when the epoch did not validate. */
    public record EpochRecord(int epoch, double trainLoss, Double valLoss, Map<String, Double> valMetrics,
                              double logitScaleExp) {
    }

    public Snapshot snapshot() {
        List<EpochRecord> h = new ArrayList<>();
        for (Trainer.EpochStats s : history) {
            h.add(new EpochRecord(s.epoch(), s.trainLoss(), s.validated() ? s.valLoss() : null, s.valMetrics(),
                    s.logitScaleExp()));
        }
        return new Snapshot(epoch, globalStep, shuffle.state(), negatives.state(), h);
    }

    /** Continues from a {@link #snapshot()}. */
    public void restore(Snapshot s) {
        epoch = s.epoch();
        globalStep = s.globalStep();
        shuffle.restore(s.rngShuffle());
        negatives.restore(s.rngNegatives());
        history.clear();
        for (EpochRecord e : s.history()) {
            history.add(new Trainer.EpochStats(e.epoch(), e.trainLoss(), e.valLoss() == null ? Double.NaN : e.valLoss(),
                    e.valMetrics() == null ? Map.of() : e.valMetrics(), e.logitScaleExp(), Double.NaN, Double.NaN));
        }
    }
}
