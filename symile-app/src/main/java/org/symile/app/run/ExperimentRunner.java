package org.symile.app.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.TestSpec;
import org.symile.app.train.RngStream;
import org.symile.app.train.Seeds;
import org.symile.app.train.TrainableModel;
import org.symile.app.train.TrainingLoop;
import org.symile.data.io.AtomicFiles;

/**
 * Runs experiments: training (start or resume, run directory, seeds, the {@link TrainingRun}) and upstream's
 * {@code test.py} (rebuild the checkpoint's model, encode the test split once, score it once or per bootstrap
 * resample).
 */
public final class ExperimentRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    private ExperimentRunner() {
    }

    /** Where {@code test} wrote its file and the accuracies (one, or one per resample). */
    public record TestOutcome(Path dir, double[] accuracies) {
    }

    /**
     * Trains one model on the experiment the factory opens, from scratch or from {@code --ckpt_path}.
     *
     * @throws IllegalArgumentException for a checkpoint of another experiment or data that does not fit
     */
    public static RunOutcome train(RunSpec spec, ExperimentFactory factory) {
        return train(spec, factory, LoopFactory.IN_PROCESS);
    }

    /**
     * {@link #train(RunSpec, ExperimentFactory)} with the epochs trained by the loop {@code loops} starts once the
     * experiment's data is open and before the run directory is created (so a cluster that cannot train the run
     * leaves nothing behind); a null loop trains in this process.
     */
    public static RunOutcome train(RunSpec spec, ExperimentFactory factory, LoopFactory loops) {
        RunStart start = RunStart.of(spec);
        CheckpointMeta resumed = start.resume() == null ? null : start.resume().meta();
        try (Experiment<?> experiment = factory.open(spec, resumed == null ? null : resumed.architecture(),
                EnumSet.of(Split.TRAIN, Split.VAL));
             TrainingLoop loop = loops.start(spec, experiment)) {
            if (resumed != null) {
                boolean wasSpark = resumed.args() != null && resumed.args().hasNonNull("spark_master");
                if (wasSpark != (loop != null)) {
                    LOG.info("{}: continuing {} a run trained {}", spec.experiment(), loop != null ? "on Spark"
                            : "in this process", wasSpark ? "on Spark" : "in one process");
                }
            }
            Path runDir = start.runDirectory(spec);
            try {
                return train(spec, experiment, start, runDir, loop);
            } catch (IllegalArgumentException e) {
                RunDirectory.deleteIfEmpty(runDir); // refused before training (e.g. a batch too large)
                throw e;
            }
        }
    }

    private static <M extends TrainableModel> RunOutcome train(RunSpec spec, Experiment<M> experiment,
                                                               RunStart start, Path runDir, TrainingLoop loop) {
        TrainingRun<M> run = new TrainingRun<>(spec, experiment, runDir, null, "",
                new RunStreams(start.seed(), new long[0]), start.resume() != null);
        if (start.resume() != null) {
            run.restore(start.resume(), spec.ckptPath());
        }
        LOG.info("{}: run directory {}, seed {}{}", spec.experiment(), runDir, start.seed(),
                spec.useSeed() || start.resume() != null ? "" : " (drawn; repeat with --use_seed True --seed "
                        + start.seed() + ")");
        if (loop == null) {
            run.fit(0, () -> false);
        } else {
            run.fit(loop, 0, () -> false);
        }
        return new RunOutcome(runDir, run.metrics());
    }

    /**
     * Upstream's test.py: rebuilds the model of a symile or upstream checkpoint from its arguments and architecture (with
     * {@code --data_dir} and {@code --batch_sz_test} from the test flags), encodes the test split once, and scores
     * it once or {@code --bootstrap_n} times; then writes {@code results.json} or {@code bootstrap_metrics.csv}
     * into a new {@code <save_dir>/<yyyyMMdd_HHmmss>_<rand4>}.
     */
    public static TestOutcome test(TestSpec t, ModelSource model, ExperimentFactory factory) {
        if (model.kind() != t.experiment()) {
            throw new IllegalArgumentException("--ckpt_path " + t.ckptPath() + ": a " + model.kind()
                    + " checkpoint, not " + t.experiment());
        }
        String source = model.source();
        Map<String, String> overrides = new java.util.LinkedHashMap<>(Map.of("data_dir", t.dataDir().toString(),
                "batch_sz_test", String.valueOf(t.batchSzTest())));
        if (t.numLangs() != null) {
            overrides.put("num_langs", String.valueOf(t.numLangs()));
        }
        RunSpec spec = model.spec().with(overrides);
        RandomGenerator rng = RngStream.derive(Seeds.resolve(t.useSeed(), t.seed()), "test");
        double[] acc;
        Map<String, Double> details = new java.util.LinkedHashMap<>();
        try (Experiment<?> experiment = factory.open(spec, model.architecture(), EnumSet.of(Split.TEST))) {
            acc = test(experiment, model, source, t, rng, details);
        }
        Path out = RunDirectory.create(t.saveDir());
        if (t.bootstrap()) {
            StringBuilder csv = new StringBuilder("test_acc\n");
            for (double a : acc) {
                csv.append(a).append('\n');
            }
            AtomicFiles.writeString(out.resolve("bootstrap_metrics.csv"), csv.toString());
        } else {
            ObjectNode r = Json.MAPPER.createObjectNode();
            r.put("test_acc", acc[0]);
            details.forEach((k, v) -> r.put("test_" + k, v));
            r.put("description", t.description());
            Json.write(out.resolve("results.json"), r);
        }
        return new TestOutcome(out, acc);
    }

    /** The test accuracies; without bootstrap also the split's further retrieval metrics, into {@code details}. */
    private static <M extends TrainableModel> double[] test(Experiment<M> experiment, ModelSource file,
                                                            String source, TestSpec t, RandomGenerator rng,
                                                            Map<String, Double> details) {
        M model = experiment.buildModel(new RngStream(0), false);
        file.weights().loadInto(model, source);
        if (t.bootstrap() || experiment.bootstrap() != Experiment.Bootstrap.RESAMPLE) {
            return evaluate(experiment, model, t.bootstrap(), t.bootstrapN(), rng, "");
        }
        Encodings e = experiment.encode(model, Split.TEST, 0);
        double acc = e.accuracy(rng, null);
        LOG.info("test_acc {}", String.format(Locale.ROOT, "%.4f", acc));
        details.putAll(e.retrievalMetrics());
        details.forEach((k, v) -> LOG.info("test_{} {}", k, String.format(Locale.ROOT, "%.4f", v)));
        return new double[] {acc};
    }

    /**
     * Accuracies on the test split: once, or {@code n} times with bootstrap, either over one cached encoding of
     * the split resampled with replacement or over fresh test draws, as the experiment's
     * {@link Experiment#bootstrap()} says.
     *
     * @param rng    breaks ties and draws the resamples (null where the experiment needs neither)
     * @param prefix of the log lines ("[p_hat 0.3] ")
     */
    public static <M extends TrainableModel> double[] evaluate(Experiment<M> experiment, M model, boolean bootstrap,
                                                               int n, RandomGenerator rng, String prefix) {
        int runs = bootstrap ? n : 1;
        double[] acc = new double[runs];
        Encodings cached = null;
        for (int i = 0; i < runs; i++) {
            if (experiment.bootstrap() == Experiment.Bootstrap.FRESH_DRAWS) {
                acc[i] = experiment.encode(model, Split.TEST, i).accuracy(rng, null);
            } else {
                cached = cached != null ? cached : experiment.encode(model, Split.TEST, 0);
                acc[i] = cached.accuracy(rng, bootstrap ? rng : null);
            }
            LOG.info("{}test_acc {}{}", prefix, String.format(Locale.ROOT, "%.4f", acc[i]), bootstrap ? " (bootstrap "
                    + (i + 1) + " of " + runs + ")" : "");
        }
        return acc;
    }
}
