package org.symile.app.sweep;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.experiments.Experiments;
import org.symile.app.run.RunOutcome;
import org.symile.app.spark.SparkTraining;
import org.symile.app.spec.RunSpec;
import org.symile.data.io.AtomicFiles;

/**
 * A hyperparameter sweep: arbiter-core's grid or random generator proposes candidates from the space file, each
 * trial runs {@code train} (same trainer, its own run directory, its replayable command line beside it) and is
 * scored on the objective. Writes {@code sweep_results.csv} (one row per trial), {@code best.json} and a plot of
 * the score against each swept flag. Failed trials are recorded and the sweep goes on; a killed sweep resumed on
 * its directory skips finished trials.
 */
public final class Sweep {
    private static final Logger LOG = LoggerFactory.getLogger(Sweep.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One trial's outcome; {@code index} counts from 0, trial numbers in files and logs from 1. */
    public record Trial(int index, Map<String, Object> params, String status, double score, double wallSeconds,
                        String runDir) {
        boolean finished() {
            return status.equals("ok") || status.startsWith("failed");
        }
    }

    private final SweepSpec spec;
    private final String specText;
    private final Path out;
    private final List<String> extraArgs;
    private final Map<Integer, Trial> trials = new LinkedHashMap<>();
    private List<Map<String, Object>> candidates;

    /**
     * @param extraArgs further {@code train} arguments for every trial (e.g. {@code --data_dir DIR})
     */
    public Sweep(SweepSpec spec, String specText, Path out, List<String> extraArgs) {
        this.spec = spec;
        this.specText = specText;
        this.out = out;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Resumes the sweep in {@code dir} from its saved space and finished trials. */
    public static Sweep resume(Path dir) {
        Path state = dir.resolve("sweep.json");
        if (!Files.isRegularFile(state)) {
            throw new IllegalArgumentException("--resume: " + dir + " is not a sweep directory (no sweep.json)");
        }
        try {
            JsonNode s = JSON.readTree(state.toFile());
            SweepSpec spec = SweepSpec.parse(state + " (space)", s.get("space").asText());
            List<String> extra = new ArrayList<>();
            s.path("extra_args").forEach(a -> extra.add(a.asText()));
            Sweep sweep = new Sweep(spec, s.get("space").asText(), dir, extra);
            sweep.candidates = new ArrayList<>();
            for (JsonNode c : s.get("candidates")) {
                sweep.candidates.add(JSON.convertValue(c, Map.class));
            }
            for (JsonNode t : s.path("trials")) {
                Trial trial = new Trial(t.get("trial").asInt() - 1, JSON.convertValue(t.get("params"), Map.class),
                        t.get("status").asText(), t.path("score").asDouble(Double.NaN), t.path("wall_s").asDouble(),
                        t.path("run_dir").asText(""));
                if (trial.finished()) {
                    sweep.trials.put(trial.index(), trial);
                }
            }
            return sweep;
        } catch (IOException e) {
            throw new IllegalArgumentException("--resume: cannot read " + state + ": " + e.getMessage());
        }
    }

    public Path dir() {
        return out;
    }

    /** The candidates, generated once and then fixed (so a resumed sweep runs the same ones). */
    List<Map<String, Object>> candidates() {
        if (candidates == null) {
            SweepSpace space = SweepSpace.of(spec);
            CandidateGenerator gen;
            int limit;
            if (spec.search() == SweepSpec.Search.GRID) {
                GridSearchCandidateGenerator g = new GridSearchCandidateGenerator(space, spec.gridPoints(),
                        GridSearchCandidateGenerator.Mode.Sequential, null);
                limit = Math.min(g.getTotalNumCandidates(), spec.maxCandidates());
                gen = g;
            } else {
                RandomSearchGenerator r = new RandomSearchGenerator(space, null);
                r.setRngSeed(spec.seed());
                limit = Math.min(spec.candidates(), spec.maxCandidates());
                gen = r;
            }
            candidates = new ArrayList<>();
            while (candidates.size() < limit && gen.hasMoreCandidates()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) gen.getCandidate().getValue();
                candidates.add(c);
            }
        }
        return candidates;
    }

    /** Runs every unfinished trial, {@code parallel} at a time; returns all trials in order. */
    public List<Trial> run(int parallel) {
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel: expected >= 1, got " + parallel);
        }
        List<Map<String, Object>> cands = candidates();
        saveState();
        long deadline = System.nanoTime() + (long) (spec.maxMinutes() * 60e9);
        // the trials running at once share the cores between their p_hat workers (binary_xor)
        int pHatWorkers = Math.max(1, Runtime.getRuntime().availableProcessors() / parallel);
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int k = 0; k < cands.size(); k++) {
                if (trials.containsKey(k)) {
                    continue;
                }
                int index = k;
                futures.add(pool.submit(() -> runTrial(index, cands.get(index), deadline, cands.size(), pHatWorkers)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("sweep failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        writeReports();
        List<Trial> all = new ArrayList<>();
        for (int k = 0; k < cands.size(); k++) {
            all.add(trials.get(k));
        }
        return all;
    }

    private void runTrial(int k, Map<String, Object> params, long deadline, int total, int pHatWorkers) {
        Path root = TrialCommand.dir(out, k + 1);
        Map<String, String> flags = TrialCommand.flags(spec, params, root, extraFlags());
        if (spec.experiment().equals("binary_xor")) {
            flags.putIfAbsent("p_hat_workers", String.valueOf(pHatWorkers));
        }
        if (System.nanoTime() > deadline) {
            record(new Trial(k, params, "skipped: max_minutes reached", Double.NaN, 0, ""), total);
            return;
        }
        long t0 = System.nanoTime();
        String status;
        double score = Double.NaN;
        String runDir = "";
        try {
            Files.createDirectories(root);
            AtomicFiles.writeString(root.resolve("command.txt"), "symile train " + String.join(" ",
                    TrialCommand.argv(flags).stream().map(Sweep::shellQuote).toList()) + "\n");
            RunOutcome o = Experiments.train(RunSpec.fromFlags(flags), SparkTraining::start);
            runDir = o.runDir().toString();
            score = o.metrics().getOrDefault(spec.objective().key(), Double.NaN);
            status = Double.isNaN(score) ? "failed: no " + spec.objective().key() : "ok";
        } catch (OutOfMemoryError e) {
            status = "failed: out of memory";
        } catch (RuntimeException | IOException e) {
            status = "failed: " + String.valueOf(e.getMessage()).replaceAll("\\s+", " ");
            LOG.warn("trial {} failed: {}", k + 1, e.getMessage());
        }
        record(new Trial(k, params, status, score, (System.nanoTime() - t0) / 1e9, runDir), total);
    }

    /** The extra train flags every trial gets (e.g. data_dir), from their {@code --flag value} form. */
    Map<String, String> extraFlags() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < extraArgs.size(); i += 2) {
            m.put(extraArgs.get(i).replaceFirst("^--", ""), extraArgs.get(i + 1));
        }
        return m;
    }

    private synchronized void record(Trial t, int total) {
        trials.put(t.index(), t);
        saveState();
        writeReports();
        Trial best = best();
        LOG.info("sweep: trial {} of {} {}: {} = {}; best so far {}", t.index() + 1, total, t.status(),
                spec.objective().key(), String.format(Locale.ROOT, "%.4f", t.score()), best == null ? "-"
                        : String.format(Locale.ROOT, "%.4f (trial %d)", best.score(), best.index() + 1));
    }

    /** The best finished trial, or null. */
    public synchronized Trial best() {
        Trial best = null;
        for (Trial t : trials.values()) {
            if (t.status().equals("ok") && (best == null || spec.objective().better(t.score(), best.score()))) {
                best = t;
            }
        }
        return best;
    }

    private synchronized void saveState() {
        ObjectNode s = JSON.createObjectNode();
        s.put("space", specText);
        ArrayNode extra = s.putArray("extra_args");
        extraArgs.forEach(extra::add);
        s.set("candidates", JSON.valueToTree(candidates()));
        ArrayNode ts = s.putArray("trials");
        for (Trial t : trials.values()) {
            ObjectNode n = ts.addObject();
            n.put("trial", t.index() + 1);
            n.set("params", JSON.valueToTree(t.params()));
            n.put("status", t.status());
            n.put("score", t.score());
            n.put("wall_s", t.wallSeconds());
            n.put("run_dir", t.runDir());
        }
        write(out.resolve("sweep.json"), s);
    }

    private synchronized void writeReports() {
        SweepReports.write(out, spec, candidates(), trials, best(), extraArgs);
    }

    private static void write(Path file, ObjectNode n) {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(n) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./:=,+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
