package org.symile.app.xor;

import org.symile.data.synthetic.BinaryXor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.config.TrainArgs;
import org.symile.app.experiments.RunStart;
import org.symile.data.io.AtomicFiles;
import org.symile.app.train.AdamW;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainState;
import org.symile.app.train.Trainer;

/**
 * The binary_xor experiment (paper §5.1, spec §3): for each p̂ a fresh model is trained, the checkpoint with the
 * lowest epoch-mean validation loss is kept, and b is predicted from (a, c) on fresh test draws. Writes
 * {@code binary_xor_results.csv} (p_hat, loss_fn, acc) and {@code binary_xor_results.png} (accuracy against the
 * Bayes-optimal curve) to the run directory, and per p̂ {@code p_hat_<p>/epoch=E-val_loss=V.ckpt} (best) and
 * {@code last.ckpt} (resumable).
 */
public final class BinaryXorExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(BinaryXorExperiment.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One test result. */
    public record Row(double pHat, String lossFn, double acc) {
    }

    /** The run's directory, every test result and the best validation loss of each p̂ trained in this call. */
    public record Result(Path runDir, List<Row> rows, long seed, Map<Double, Double> bestValLoss) {
        /** Mean best validation loss over the p̂ values (NaN if none validated). */
        public double meanBestValLoss() {
            return bestValLoss.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** Mean test accuracy over all rows. */
        public double meanTestAcc() {
            return rows.stream().mapToDouble(Row::acc).average().orElse(Double.NaN);
        }
    }

    private BinaryXorExperiment() {
    }

    public static Result run(TrainArgs args) {
        TrainArgs.XorArgs x = args.xor();
        RunStart start = RunStart.of(args);
        Checkpoint resume = start.resume();
        long seed = start.seed();
        Path runDir = start.runDir();
        List<Row> rows = new ArrayList<>();
        Map<Integer, Map.Entry<Path, Checkpoint>> restore = new LinkedHashMap<>();
        List<Integer> todo = new ArrayList<>();
        if (resume == null) {
            for (int i = 0; i < x.pHats().size(); i++) {
                todo.add(i);
            }
        } else {
            planResume(args, resume, runDir, rows, restore, todo);
        }
        LOG.info("binary_xor: run directory {}, seed {}{}", runDir, seed,
                args.useSeed() ? "" : " (drawn; repeat with --use_seed True --seed " + seed + ")");
        Trainer.Config config = new Trainer.Config(args.epochs(), args.checkValEveryNEpoch(),
                args.limitTrainBatches(), args.limitValBatches(), AdamW.Config.of(args.lr(), args.weightDecay()),
                "or --logit_scale_init (now " + args.logitScaleInit() + "), or --freeze_logit_scale True");
        int workers = PHatWorkers.resolve(x.pHatWorkers(), todo.size());
        Map<Double, Double> bestLoss = new TreeMap<>();
        Supplier<List<Row>> snapshot = () -> {
            synchronized (rows) {
                return List.copyOf(rows);
            }
        };
        List<PHatWorkers.Job> jobs = new ArrayList<>();
        for (int k = 0; k < todo.size(); k++) {
            int idx = todo.get(k);
            double p = x.pHats().get(idx);
            long epochsAfter = (long) ((todo.size() - k - 1) / workers) * args.epochs();
            jobs.add(stop -> {
                PHatRun run = new PHatRun(args, new Trainer(config), seed, idx, runDir, snapshot, epochsAfter, stop);
                if (restore.containsKey(idx)) {
                    run.restore(restore.get(idx).getValue(), restore.get(idx).getKey());
                }
                double[] acc = run.trainAndTest();
                synchronized (rows) {
                    bestLoss.put(p, run.bestValLoss());
                    rows.removeIf(r -> r.pHat() == p);
                    for (double a : acc) {
                        rows.add(new Row(p, args.lossFn(), a));
                    }
                    run.markDone(List.copyOf(rows));
                    writeResults(runDir, args, rows, seed);
                }
            });
        }
        PHatWorkers.run(jobs, workers);
        writeResults(runDir, args, rows, seed);
        return new Result(runDir, List.copyOf(rows), seed, bestLoss);
    }

    /**
     * What a resumed run still has to do, decided by each p̂'s own {@code last.ckpt} in the run directory (every p̂
     * rewrites it after every epoch; with {@code --p_hat_workers} several can be unfinished when a run stops). A p̂
     * whose checkpoint finished all {@code --epochs} keeps its results; any other continues from its checkpoint (the
     * one {@code --ckpt_path} names for its own p̂). A p̂ without one keeps a result recorded in the given
     * checkpoint, else trains from the start.
     */
    private static void planResume(TrainArgs args, Checkpoint resume, Path runDir, List<Row> rows,
                                   Map<Integer, Map.Entry<Path, Checkpoint>> restore, List<Integer> todo) {
        List<Double> pHats = args.xor().pHats();
        double own = resume.meta().path("p_hat").asDouble();
        int ownIdx = pHats.indexOf(own);
        if (ownIdx < 0) {
            throw new IllegalArgumentException("--ckpt_path " + args.ckptPath() + ": its p_hat " + own
                    + " is not among --p_hats " + pHats);
        }
        for (int i = 0; i < pHats.size(); i++) {
            double p = pHats.get(i);
            Path from = i == ownIdx ? args.ckptPath() : pHatDir(runDir, p).resolve("last.ckpt");
            Checkpoint ckpt = i == ownIdx ? resume : Files.exists(from) ? Checkpoint.read(from) : null;
            List<Row> known = ckpt == null ? rowsFor(resume, p)
                    : finished(ckpt, args.epochs()) ? rowsFor(ckpt, p) : List.of();
            if (!known.isEmpty()) {
                rows.addAll(known);
                continue;
            }
            if (ckpt != null) {
                restore.put(i, Map.entry(from, ckpt));
            }
            todo.add(i);
        }
    }

    private static boolean finished(Checkpoint ckpt, int epochs) {
        return ckpt.meta().path("p_hat_done").asBoolean() && ckpt.meta().path("trainer").path("epoch").asInt() >= epochs;
    }

    private static List<Row> rowsFor(Checkpoint ckpt, double p) {
        List<Row> out = new ArrayList<>();
        for (var r : ckpt.meta().path("results")) {
            if (r.path("p_hat").asDouble() == p) {
                out.add(new Row(p, r.path("loss_fn").asText(), r.path("acc").asDouble()));
            }
        }
        return out;
    }

    /** Writes the CSV, the plot and run_info.json (atomically; called after every p̂). */
    static void writeResults(Path runDir, TrainArgs args, List<Row> rows, long seed) {
        StringBuilder csv = new StringBuilder("p_hat,loss_fn,acc\n");
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort((a, b) -> Double.compare(a.pHat(), b.pHat()));
        for (Row r : sorted) {
            csv.append(String.format(Locale.ROOT, "%.1f,%s,%s%n", r.pHat(), r.lossFn(), r.acc()));
        }
        AtomicFiles.writeString(runDir.resolve("binary_xor_results.csv"), csv.toString());
        XorPlots.accuracy(runDir.resolve("binary_xor_results.png"), args.xor().dV(), args.lossFn(), sorted);
        ObjectNode info = JSON.createObjectNode();
        info.set("args", JSON.valueToTree(args.toFlags()));
        info.put("seed", seed);
        ArrayNode res = info.putArray("results");
        for (Row r : sorted) {
            res.addObject().put("p_hat", r.pHat()).put("loss_fn", r.lossFn()).put("acc", r.acc())
                    .put("bayes_optimal", BinaryXor.bayesOptimal(args.xor().dV(), r.pHat()));
        }
        try {
            AtomicFiles.writeString(runDir.resolve("run_info.json"), JSON.writeValueAsString(info) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checkpoint directory of one p̂: {@code p_hat_0.3}. */
    static Path pHatDir(Path runDir, double p) {
        return runDir.resolve(String.format(Locale.ROOT, "p_hat_%.1f", p));
    }

    static Map<String, Object> rowJson(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p_hat", r.pHat());
        m.put("loss_fn", r.lossFn());
        m.put("acc", r.acc());
        return m;
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not delete old checkpoint {}: {}", file, e.getMessage());
        }
    }

    static Map<String, INDArray> variables(BinaryXorModel model) {
        Map<String, INDArray> vars = new LinkedHashMap<>();
        for (var v : model.graph().variables()) {
            if (v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE
                    || v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.CONSTANT) {
                vars.put(v.name(), v.getArr());
            }
        }
        return vars;
    }

    static RngStream stream(long seed, String tag, long... ids) {
        return RngStream.derive(seed, tag, ids);
    }
}
