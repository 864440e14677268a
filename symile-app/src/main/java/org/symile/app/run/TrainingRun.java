package org.symile.app.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainState;
import org.symile.app.train.TrainableModel;
import org.symile.app.train.Trainer;
import org.symile.app.train.TrainingLoop;
import org.symile.app.ui.TrainingDashboard;
import org.symile.data.io.AtomicFiles;

/**
 * One ordinary training run of one model: the model built from the experiment with its seeded initialisation,
 * the {@link Trainer} over the experiment's batches, {@code val_acc} from the experiment's validation retrieval,
 * checkpoints under the experiment's {@link CheckpointPolicy} plus {@code last.ckpt} every epoch, and
 * {@code run_info.json} after every validation. A binary_xor sweep is one such run per p̂, each in its own
 * directory ({@code part}).
 *
 * @param <M> the model type
 */
public final class TrainingRun<M extends TrainableModel> implements Trainer.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final RunSpec spec;
    private final Experiment<M> experiment;
    private final Path runDir;
    private final Path dir;
    private final String part;
    private final String label;
    private final RunStreams streams;
    private final M model;
    private final Trainer trainer;
    private final TrainState state;
    private final RngStream evalTies;
    private final List<CheckpointMeta.Validation> validations = new ArrayList<>();
    private CheckpointMeta.Best best;
    private List<Double> testAcc;
    private long epochsAfter;
    private BooleanSupplier stop = () -> false;
    private MetricsLog metrics;
    private TrainingDashboard dashboard;

    /**
     * @param runDir   the run directory
     * @param part     a subdirectory of it for this run's files (binary_xor: {@code p_hat_0.3}), or null
     * @param label    prefix of progress lines ("p_hat 0.3"), or ""
     * @param resuming a checkpoint will be restored, so pretrained weights need not be loaded
     */
    public TrainingRun(RunSpec spec, Experiment<M> experiment, Path runDir, String part, String label,
                       RunStreams streams, boolean resuming) {
        this.spec = spec;
        this.experiment = experiment;
        this.runDir = runDir;
        this.dir = part == null ? runDir : runDir.resolve(part);
        this.part = part;
        this.label = label;
        this.streams = streams;
        this.model = experiment.buildModel(streams.stream("init"), !resuming);
        model.useOptimizer(spec.optimizer());
        model.stepMemory().ifPresent(m -> m.requireFits("--batch_sz_train", spec.trainer().batchSzTrain(),
                spec.microBatchRows(), "a " + experiment.kind().flag() + " training step"));
        this.trainer = new Trainer(spec.trainer(), spec.optimizer(), experiment.divergenceHint());
        this.state = new TrainState(streams.stream("shuffle"), streams.stream("negatives"));
        this.evalTies = streams.stream("val_ties");
    }

    /** Continues from a checkpoint of this run: weights, optimizer, counters, random streams, validations. */
    public void restore(Checkpoint c, Path from) {
        CheckpointMeta m = c.meta();
        model.loadState(c.variables(), "--ckpt_path " + from);
        model.restoreOptimizer(c.optimizer(), m.optimizerSteps());
        state.restore(m.trainer());
        evalTies.restore(m.rngEval());
        validations.clear();
        validations.addAll(m.validationMetrics());
        best = m.best();
        LOG.info("{}resumed at epoch {} from {}", prefix(), state.epoch(), from);
    }

    /**
     * Trains to {@code --epochs}.
     *
     * @param epochsAfter epochs other runs will train after this one, for the ETA
     * @param stop        polled between steps; true stops training (a {@link java.util.concurrent.CancellationException})
     */
    public void fit(long epochsAfter, BooleanSupplier stop) {
        fit(trainer, epochsAfter, stop);
    }

    /**
     * Trains to {@code --epochs} with another loop (e.g. replicas on a Spark cluster); checkpoints, metrics and
     * validation as {@link #fit(long, BooleanSupplier)}.
     */
    public void fit(TrainingLoop loop, long epochsAfter, BooleanSupplier stop) {
        this.epochsAfter = epochsAfter;
        this.stop = stop;
        String title = experiment.kind().flag() + (label == null || label.isEmpty() ? "" : " " + label);
        try (MetricsLog log = MetricsLog.open(dir, state.globalStep(), state.epoch());
             TrainingDashboard ui = spec.ui() ? TrainingDashboard.open(dir, runDir.getFileName() + (part == null ? ""
                     : "/" + part), spec.uiPort(), model, state.globalStep()) : null) {
            metrics = log;
            dashboard = ui;
            loop.fit(model, experiment.batches(Split.TRAIN), experiment.batches(Split.VAL), state, this);
            log.flush();
            log.plot(dir, title);
        } finally {
            metrics = null;
            dashboard = null;
        }
        writeRunInfo();
    }

    /**
     * Tests the kept checkpoint (the last weights when none was kept) on the experiment's test split, then records
     * the accuracies in {@code last.ckpt} and run_info.json, which marks this run finished.
     *
     * @return one accuracy, or {@code --bootstrap_n} with bootstrap
     */
    public double[] test(boolean bootstrap, int bootstrapN) {
        M tested = model;
        if (best != null && experiment.checkpointPolicy() == CheckpointPolicy.KEEP_BEST) {
            // a second model, so that last.ckpt keeps the last epoch's weights for a later resume
            tested = experiment.buildModel(new RngStream(0), false);
            tested.loadState(Checkpoint.read(Path.of(best.file())).variables(), best.file());
            LOG.info("{}testing the best checkpoint: epoch {} (0-based), val_loss {}", prefix(), best.epoch(),
                    String.format(Locale.ROOT, "%.4f", best.valLoss()));
        }
        double[] acc = ExperimentRunner.evaluate(experiment, tested, bootstrap, bootstrapN, null, prefix());
        List<Double> list = new ArrayList<>();
        for (double a : acc) {
            list.add(a);
        }
        testAcc = List.copyOf(list);
        checkpoint().write(dir.resolve("last.ckpt"));
        writeRunInfo();
        return acc;
    }

    /** Best validation metrics so far: lowest {@code val_loss}, highest {@code val_acc} (NaN without any). */
    public Map<String, Double> metrics() {
        return bestMetrics(validations);
    }

    /** The model being trained. */
    public M model() {
        return model;
    }

    /** The trainer's state (epochs done, history). */
    public TrainState state() {
        return state;
    }

    /** Lowest val_loss and highest val_acc over {@code validations}, NaN where there is none. */
    public static Map<String, Double> bestMetrics(List<CheckpointMeta.Validation> validations) {
        double bestLoss = Double.NaN;
        double bestAcc = Double.NaN;
        for (CheckpointMeta.Validation v : validations) {
            bestLoss = Double.isNaN(bestLoss) || v.valLoss() < bestLoss ? v.valLoss() : bestLoss;
            bestAcc = Double.isNaN(bestAcc) || v.valAcc() > bestAcc ? v.valAcc() : bestAcc;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", bestLoss);
        m.put("val_acc", bestAcc);
        return m;
    }

    @Override
    public Map<String, Double> validationMetrics(int epoch) {
        Encodings e = experiment.encode(model, Split.VAL, 0);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_acc", e.accuracy(evalTies, null));
        e.retrievalMetrics().forEach((k, v) -> m.put("val_" + k, v));
        return m;
    }

    @Override
    public void onStep(Trainer.StepStats stats) {
        if (metrics != null) {
            metrics.step(stats);
        }
        if (dashboard != null) {
            dashboard.step(stats, model);
        }
    }

    @Override
    public void onEpochEnd(Trainer.EpochStats stats) {
        if (metrics != null) {
            if (stats.validated()) {
                metrics.validation(stats, state.globalStep(), spec.optimizer().lr());
            } else {
                metrics.flush();
            }
        }
        Path written = null;
        if (stats.validated()) {
            int epoch = stats.epoch() - 1;
            validations.add(new CheckpointMeta.Validation(epoch, stats.valLoss(),
                    stats.valMetrics().getOrDefault("val_acc", Double.NaN)));
            Path file = dir.resolve(String.format(Locale.ROOT, "epoch=%d-val_loss=%.4f.ckpt", epoch, stats.valLoss()));
            if (experiment.checkpointPolicy() == CheckpointPolicy.KEEP_ALL) {
                checkpoint().write(file);
                written = file;
            } else if (best == null || stats.valLoss() < best.valLoss()) {
                String old = best == null ? null : best.file();
                best = new CheckpointMeta.Best(stats.valLoss(), epoch, file.toString());
                checkpoint().write(file);
                written = file;
                if (old != null && !Path.of(old).equals(file)) {
                    delete(Path.of(old));
                }
            }
            writeRunInfo();
        }
        if (written != null) {
            // the same state: link rather than serialise it again (seconds at Symile-MIMIC's size)
            AtomicFiles.copy(written, dir.resolve("last.ckpt"));
        } else {
            checkpoint().write(dir.resolve("last.ckpt"));
        }
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public long epochsAfterThisFit() {
        return epochsAfter;
    }

    @Override
    public boolean stopRequested() {
        return stop.getAsBoolean();
    }

    /** The checkpoint of the current state. */
    Checkpoint checkpoint() {
        CheckpointMeta meta = new CheckpointMeta(Checkpoint.FORMAT, spec.experiment().flag(), spec.toJson(),
                streams.seed(), runDir.toString(), part, streams.ids(), Json.tree(experiment.architecture()),
                state.snapshot(), model.optimizerSteps(), evalTies.state(), List.copyOf(validations), best, testAcc);
        return new Checkpoint(meta, model.state(), model.optimizerState());
    }

    /** {@code run_info.json} in this run's directory. */
    public void writeRunInfo() {
        Json.write(dir.resolve("run_info.json"), new RunInfo(List.copyOf(validations), spec.toJson(), null,
                streams.seed(), part, testAcc));
    }

    private String prefix() {
        return label == null || label.isEmpty() ? spec.experiment().flag() + ": " : "[" + label + "] ";
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not delete old checkpoint {}: {}", file, e.getMessage());
        }
    }
}
