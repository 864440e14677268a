package org.symile.app.experiments.xor;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.TreeSet;
import org.symile.app.run.Charts;
import org.symile.app.run.Json;
import org.symile.data.io.AtomicFiles;
import org.symile.data.synthetic.BinaryXor;

/**
 * Finished binary_xor runs side by side, the paper's comparison of objectives: test accuracy against p̂, one curve
 * per run with the Bayes-optimal line and chance ({@code binary_xor_comparison.png}), and the same numbers as a
 * table ({@code binary_xor_comparison.csv}: p_hat, bayes_optimal, then one column per run, mean over bootstrap
 * draws). Each run is read from its {@code run_info.json} (its flags and results); all must share d_v.
 */
public final class XorComparison {

    /** One run's mean test accuracy per p̂. */
    record Run(String name, int dv, TreeMap<Double, Double> acc) {
    }

    private XorComparison() {
    }

    /**
     * @param runDirs binary_xor run directories (each with the {@code run_info.json} a finished run writes)
     * @param out     directory for the plot and the table (created if missing)
     * @return the table's path
     * @throws IllegalArgumentException naming the run directory that is not a finished binary_xor run, or whose
     *                                  d_v differs from the first's
     */
    public static Path write(List<Path> runDirs, Path out) {
        if (runDirs.isEmpty()) {
            throw new IllegalArgumentException("compare: expected at least one binary_xor run directory");
        }
        List<Run> runs = new ArrayList<>();
        for (Path dir : runDirs) {
            Run r = read(dir);
            if (!runs.isEmpty() && r.dv() != runs.get(0).dv()) {
                throw new IllegalArgumentException(dir + ": d_v " + r.dv() + ", but " + runDirs.get(0) + " has d_v "
                        + runs.get(0).dv() + "; compare runs of one d_v");
            }
            runs.add(r);
        }
        int dv = runs.get(0).dv();
        Map<String, Run> named = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            String name = named.containsKey(r.name()) ? r.name() + " (" + runDirs.get(i).getFileName() + ")"
                    : r.name();
            named.put(name, r);
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("compare: cannot create " + out, e);
        }
        TreeSet<Double> pHats = new TreeSet<>();
        runs.forEach(r -> pHats.addAll(r.acc().keySet()));
        StringBuilder csv = new StringBuilder("p_hat,bayes_optimal");
        named.keySet().forEach(n -> csv.append(',').append(n.replace(',', ' ')));
        csv.append('\n');
        for (double p : pHats) {
            csv.append(BinaryXorExperiment.format(p)).append(',')
                    .append(String.format(Locale.ROOT, "%.4f", BinaryXor.bayesOptimal(dv, p)));
            for (Run r : named.values()) {
                Double a = r.acc().get(p);
                csv.append(',').append(a == null ? "" : String.format(Locale.ROOT, "%.4f", a));
            }
            csv.append('\n');
        }
        Path table = out.resolve("binary_xor_comparison.csv");
        AtomicFiles.writeString(table, csv.toString());
        List<Charts.Series> series = XorPlots.references(dv);
        named.forEach((n, r) -> series.add(new Charts.Series(n, new ArrayList<>(r.acc().keySet()),
                new ArrayList<>(r.acc().values()), true)));
        Charts.line(out.resolve("binary_xor_comparison.png"), "binary_xor, d_v = " + dv
                + ": test accuracy of predicting b from (a, c)", "p_hat", "accuracy", series, Charts.Axes.P_HAT);
        return table;
    }

    private static Run read(Path dir) {
        Path info = dir.resolve("run_info.json");
        if (!Files.isRegularFile(info)) {
            throw new IllegalArgumentException(dir + ": not a finished binary_xor run (no run_info.json)");
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(info.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(info + ": unreadable JSON (" + e.getMessage() + ")");
        }
        JsonNode args = n.path("args");
        if (!"binary_xor".equals(args.path("experiment").asText()) || !n.path("results").isArray()
                || n.path("results").isEmpty()) {
            throw new IllegalArgumentException(info + ": expected a finished binary_xor run (args.experiment"
                    + " binary_xor and its test results)");
        }
        TreeMap<Double, List<Double>> draws = new TreeMap<>();
        for (JsonNode r : n.path("results")) {
            draws.computeIfAbsent(r.path("p_hat").asDouble(), k -> new ArrayList<>()).add(r.path("acc").asDouble());
        }
        TreeMap<Double, Double> acc = new TreeMap<>();
        draws.forEach((p, v) -> acc.put(p, v.stream().mapToDouble(Double::doubleValue).average().orElseThrow()));
        return new Run(args.path("loss_fn").asText("symile"), args.path("d_v").asInt(5), acc);
    }
}
