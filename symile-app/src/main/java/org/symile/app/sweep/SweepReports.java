package org.symile.app.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.symile.app.run.Charts;
import org.symile.data.io.AtomicFiles;

/** The files a sweep leaves: sweep_results.csv, best.json and one PNG of score against each swept flag. */
final class SweepReports {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepReports() {
    }

    static void write(Path out, SweepSpec spec, List<Map<String, Object>> candidates, Map<Integer, Sweep.Trial> trials,
                      Sweep.Trial best, List<String> extraArgs) {
        List<String> names = new ArrayList<>(spec.parameters().keySet());
        StringBuilder csv = new StringBuilder("trial");
        for (String n : names) {
            csv.append(',').append(n);
        }
        csv.append(',').append(spec.objective().key()).append(",status,wall_s,run_dir\n");
        for (int k = 0; k < candidates.size(); k++) {
            Sweep.Trial t = trials.get(k);
            csv.append(k + 1);
            for (String n : names) {
                csv.append(',').append(quote(String.valueOf(candidates.get(k).get(n))));
            }
            if (t == null) {
                csv.append(",,pending,,\n");
                continue;
            }
            csv.append(',').append(Double.isNaN(t.score()) ? "" : String.valueOf(SweepSpace.tidy(t.score())));
            csv.append(',').append(quote(t.status()));
            csv.append(',').append(String.format(Locale.ROOT, "%.1f", t.wallSeconds()));
            csv.append(',').append(quote(t.runDir())).append('\n');
        }
        AtomicFiles.writeString(out.resolve("sweep_results.csv"), csv.toString());
        if (best != null) {
            ObjectNode b = JSON.createObjectNode();
            b.put("trial", best.index() + 1);
            b.put("objective", spec.objective().key());
            b.put("score", best.score());
            b.set("parameters", JSON.valueToTree(best.params()));
            List<String> argv = TrialCommand.argv(TrialCommand.flags(spec, best.params(),
                    TrialCommand.dir(out, best.index() + 1), extra(extraArgs)));
            b.put("command", "symile train " + String.join(" ", argv.stream().map(Sweep::shellQuote).toList()));
            b.put("run_dir", best.runDir());
            b.put("trial_dir", TrialCommand.dir(out, best.index() + 1).toString());
            try {
                AtomicFiles.writeString(out.resolve("best.json"), JSON.writeValueAsString(b) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String n : names) {
            plot(out, spec, n, candidates, trials);
        }
    }

    private static void plot(Path out, SweepSpec spec, String name, List<Map<String, Object>> candidates,
                             Map<Integer, Sweep.Trial> trials) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        List<String> categories = new ArrayList<>();
        for (Map.Entry<Integer, Sweep.Trial> e : trials.entrySet()) {
            Sweep.Trial t = e.getValue();
            if (!t.status().equals("ok")) {
                continue;
            }
            Object v = candidates.get(e.getKey()).get(name);
            double xv;
            if (v instanceof Number num) {
                xv = num.doubleValue();
            } else {
                String s = String.valueOf(v);
                if (!categories.contains(s)) {
                    categories.add(s);
                }
                xv = categories.indexOf(s);
            }
            x.add(xv);
            y.add(t.score());
        }
        if (x.isEmpty()) {
            return;
        }
        String label = categories.isEmpty() ? name : name + " (" + String.join(", ", categories.stream()
                .map(c -> categories.indexOf(c) + " = " + c).toList()) + ")";
        Charts.line(out.resolve("sweep_" + name + ".png"), "sweep: " + spec.objective().key() + " by " + name, label,
                spec.objective().key(), List.of(new Charts.Series("trials", x, y, false)),
                spansDecades(x) ? Charts.Axes.DEFAULT.withLogX() : Charts.Axes.DEFAULT);
    }

    /** Positive values a hundredfold or more apart (learning rates, weight decays): drawn on a log axis. */
    static boolean spansDecades(List<Double> x) {
        double min = x.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = x.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return min > 0 && max / min >= 100;
    }

    private static Map<String, String> extra(List<String> args) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < args.size(); i += 2) {
            m.put(args.get(i).replaceFirst("^--", ""), args.get(i + 1));
        }
        return m;
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
