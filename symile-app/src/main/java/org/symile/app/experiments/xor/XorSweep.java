package org.symile.app.experiments.xor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.run.Checkpoint;
import org.symile.app.run.CheckpointMeta;
import org.symile.app.run.Json;
import org.symile.app.run.RunOutcome;
import org.symile.app.run.RunStart;
import org.symile.app.run.RunStreams;
import org.symile.app.run.TrainingRun;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.XorSpec;
import org.symile.data.io.AtomicFiles;
import org.symile.data.synthetic.BinaryXor;

/**
 * The binary_xor experiment as upstream runs it (spec §3.2): one ordinary {@link TrainingRun} per p̂ in
 * {@code <run>/p_hat_<p>/} (keep-best checkpoint, {@code last.ckpt}, run_info.json), tested after training, and a
 * summary of all of them: {@code binary_xor_results.csv} (p_hat, loss_fn, acc), {@code binary_xor_results.png}
 * (accuracy against the Bayes-optimal curve) and {@code run_info.json}. {@code --p_hat_workers} trains several p̂
 * at once; a resumed run continues every unfinished p̂ from its own {@code last.ckpt}.
 */
public final class XorSweep {
    private static final Logger LOG = LoggerFactory.getLogger(XorSweep.class);

    /** One test result. */
    public record Row(double pHat, LossFn lossFn, double acc) {
    }

    /** One p̂'s outcome: its test accuracies and best validation metrics. */
    private record PHatResult(double[] testAcc, Map<String, Double> metrics) {
    }

    /** A p̂ to train, possibly from a checkpoint. */
    private record Todo(int index, Checkpoint from, Path fromFile) {
    }

    private final RunSpec spec;
    private final XorSpec xor;
    private final Map<Double, PHatResult> results = new TreeMap<>();
    private final long seed;
    private final Path runDir;

    private XorSweep(RunSpec spec, long seed, Path runDir) {
        this.spec = spec;
        this.xor = spec.xor();
        this.seed = seed;
        this.runDir = runDir;
    }

    /**
     * Trains and tests every p̂ of {@code --p_hats} (those a resumed run has not finished).
     *
     * @return the run directory and the means over p̂ of val_loss, val_acc and test_acc
     */
    public static RunOutcome run(RunSpec spec) {
        RunStart start = RunStart.of(spec);
        XorSweep sweep = new XorSweep(spec, start.seed(), start.runDirectory(spec));
        List<Todo> todo = sweep.plan(start.resume());
        LOG.info("binary_xor: run directory {}, seed {}{}", sweep.runDir, sweep.seed, spec.useSeed()
                || start.resume() != null ? "" : " (drawn; repeat with --use_seed True --seed " + sweep.seed + ")");
        int workers = PHatWorkers.resolve(sweep.xor.pHatWorkers(), todo.size());
        List<PHatWorkers.Job> jobs = new ArrayList<>();
        for (int k = 0; k < todo.size(); k++) {
            Todo t = todo.get(k);
            long epochsAfter = (long) ((todo.size() - k - 1) / workers) * spec.trainer().epochs();
            jobs.add(stop -> sweep.train(t, epochsAfter, stop));
        }
        PHatWorkers.run(jobs, workers);
        sweep.writeSummary();
        return new RunOutcome(sweep.runDir, sweep.metrics());
    }

    /**
     * What a resumed run still has to do, decided by each p̂'s own {@code last.ckpt} (every p̂ rewrites it after
     * every epoch; with several workers several can be unfinished). A p̂ trained for all {@code --epochs} and
     * tested keeps its results; any other continues from its checkpoint ({@code --ckpt_path} for its own p̂), or
     * starts afresh without one.
     */
    private List<Todo> plan(Checkpoint resume) {
        List<Double> ps = xor.pHats();
        int own = -1;
        if (resume != null) {
            for (int i = 0; i < ps.size(); i++) {
                own = BinaryXorExperiment.partName(ps.get(i)).equals(resume.meta().part()) ? i : own;
            }
            if (own < 0) {
                throw new IllegalArgumentException("--ckpt_path " + spec.ckptPath() + ": its p_hat ("
                        + resume.meta().part() + ") is not among --p_hats " + ps);
            }
        }
        List<Todo> todo = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            Path last = runDir.resolve(BinaryXorExperiment.partName(ps.get(i))).resolve("last.ckpt");
            Path from = i == own ? spec.ckptPath() : last;
            Checkpoint ckpt = i == own ? resume : resume != null && Files.exists(last) ? Checkpoint.read(last) : null;
            if (ckpt != null && ckpt.meta().finished(spec.trainer().epochs())) {
                CheckpointMeta m = ckpt.meta();
                results.put(ps.get(i), new PHatResult(m.testAcc().stream().mapToDouble(Double::doubleValue).toArray(),
                        TrainingRun.bestMetrics(m.validationMetrics())));
            } else {
                todo.add(new Todo(i, ckpt, from));
            }
        }
        return todo;
    }

    private void train(Todo t, long epochsAfter, java.util.function.BooleanSupplier stop) {
        double p = xor.pHats().get(t.index());
        RunStreams streams = new RunStreams(seed, new long[] {t.index()});
        BinaryXorExperiment experiment = new BinaryXorExperiment(spec, t.index(), streams);
        TrainingRun<BinaryXorModel> run = new TrainingRun<>(spec, experiment, runDir,
                BinaryXorExperiment.partName(p), "p_hat " + BinaryXorExperiment.format(p), streams, t.from() != null);
        if (t.from() != null) {
            run.restore(t.from(), t.fromFile());
        }
        run.fit(epochsAfter, stop);
        double[] acc = run.test(xor.bootstrap(), xor.bootstrapN());
        LOG.info("[p_hat {}] test_acc {} (Bayes-optimal {})", BinaryXorExperiment.format(p), Arrays.toString(
                Arrays.stream(acc).mapToObj(a -> String.format(Locale.ROOT, "%.4f", a)).toArray()),
                String.format(Locale.ROOT, "%.4f", BinaryXor.bayesOptimal(xor.dV(), p)));
        synchronized (results) {
            results.put(p, new PHatResult(acc, run.metrics()));
            writeSummary();
        }
    }

    /** The CSV, the plot and run_info.json, atomically; after every p̂. */
    private void writeSummary() {
        synchronized (results) {
            List<Row> rows = rows();
            StringBuilder csv = new StringBuilder("p_hat,loss_fn,acc\n");
            for (Row r : rows) {
                csv.append(BinaryXorExperiment.format(r.pHat())).append(',').append(r.lossFn()).append(',')
                        .append(r.acc()).append('\n');
            }
            AtomicFiles.writeString(runDir.resolve("binary_xor_results.csv"), csv.toString());
            XorPlots.accuracy(runDir.resolve("binary_xor_results.png"), xor.dV(), spec.loss().lossFn(), rows);
            List<Map<String, Object>> res = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("p_hat", r.pHat());
                m.put("loss_fn", r.lossFn().flag());
                m.put("acc", r.acc());
                m.put("bayes_optimal", BinaryXor.bayesOptimal(xor.dV(), r.pHat()));
                res.add(m);
            }
            List<Map<String, Object>> val = new ArrayList<>();
            results.forEach((p, r) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("p_hat", p);
                m.putAll(r.metrics());
                val.add(m);
            });
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("args", spec.toJson());
            info.put("seed", seed);
            info.put("results", res);
            info.put("validation", val);
            Json.write(runDir.resolve("run_info.json"), info);
        }
    }

    private List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        results.forEach((p, r) -> {
            for (double a : r.testAcc()) {
                rows.add(new Row(p, spec.loss().lossFn(), a));
            }
        });
        return rows;
    }

    /** Means over the p̂ values of the best val_loss and val_acc, and of every test accuracy. */
    private Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", results.values().stream().mapToDouble(r -> r.metrics().get("val_loss")).average()
                .orElse(Double.NaN));
        m.put("val_acc", results.values().stream().mapToDouble(r -> r.metrics().get("val_acc")).average()
                .orElse(Double.NaN));
        m.put("test_acc", rows().stream().mapToDouble(Row::acc).average().orElse(Double.NaN));
        return m;
    }
}
