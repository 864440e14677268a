package org.symile.app.sweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.symile.app.spec.ExperimentKind;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A search-space file ({@code hyperparams/*.yaml}), parsed and validated: every problem is reported with the file,
 * the key and what was expected, before anything runs.
 *
 * @param experiment    the {@code train --experiment} value
 * @param search        grid or random
 * @param gridPoints    grid: values per continuous (or wide integer) parameter
 * @param candidates    random: number of candidates
 * @param seed          random: generator seed
 * @param objective     what to optimise
 * @param maxCandidates at most this many trials
 * @param maxMinutes    no new trial starts after this many minutes
 * @param parameters    swept {@code train} flags
 * @param fixed         {@code train} flags every trial gets
 */
public record SweepSpec(String experiment, Search search, int gridPoints, int candidates, long seed,
                        Objective objective, int maxCandidates, double maxMinutes, Map<String, Parameter> parameters,
                        Map<String, String> fixed) {

    /** Candidate generation. */
    public enum Search {
        GRID, RANDOM
    }

    /** The trial score and its direction. */
    public enum Objective {
        VAL_LOSS("val_loss", false), VAL_ACC("val_acc", true);

        private final String key;
        private final boolean maximise;

        Objective(String key, boolean maximise) {
            this.key = key;
            this.maximise = maximise;
        }

        public String key() {
            return key;
        }

        public boolean maximise() {
            return maximise;
        }

        /** Whether {@code a} is better than {@code b} (NaN is never better). */
        public boolean better(double a, double b) {
            if (Double.isNaN(a)) {
                return false;
            }
            return Double.isNaN(b) || (maximise ? a > b : a < b);
        }
    }

    /** One swept flag: continuous (optionally log-scaled), integer, or a discrete list of values. */
    public record Parameter(String type, Double min, Double max, boolean log, List<Object> values) {
    }

    private static final Set<String> TOP_KEYS = Set.of("experiment", "search", "grid_points", "candidates", "seed",
            "objective", "max_candidates", "max_minutes", "parameters", "fixed");
    private static final Set<String> PARAM_KEYS = Set.of("type", "min", "max", "log", "values");

    /** Reads and validates {@code file}. */
    public static SweepSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--space " + file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    /** Parses the text of a space file; {@code name} names it in errors. */
    public static SweepSpec parse(String name, String text) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + ": not valid YAML: " + e.getMessage().replaceAll("\\s+", " "));
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(name + ": expected a mapping of keys at the top level");
        }
        for (Object k : map.keySet()) {
            if (!TOP_KEYS.contains(String.valueOf(k))) {
                throw new IllegalArgumentException(name + ": unknown key '" + k + "' (expected one of "
                        + new java.util.TreeSet<>(TOP_KEYS) + ")");
            }
        }
        String experiment = string(name, map, "experiment", null);
        try {
            ExperimentKind.fromFlag(experiment);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": key 'experiment': " + e.getMessage().replace("--experiment: ",
                    ""), e);
        }
        Search search = switch (string(name, map, "search", "grid")) {
            case "grid" -> Search.GRID;
            case "random" -> Search.RANDOM;
            default -> throw new IllegalArgumentException(name + ": key 'search': expected grid or random, got '"
                    + map.get("search") + "'");
        };
        int gridPoints = integer(name, map, "grid_points", 3, 1);
        int candidates = integer(name, map, "candidates", 10, 1);
        long seed = integer(name, map, "seed", 0, 0);
        String obj = string(name, map, "objective", "val_loss");
        Objective objective = null;
        for (Objective o : Objective.values()) {
            if (o.key().equals(obj)) {
                objective = o;
            }
        }
        if (obj.equals("test_acc")) {
            throw new IllegalArgumentException(name + ": key 'objective': test_acc would select hyperparameters on the"
                    + " test set; use val_acc or val_loss (the test accuracy of the best trial is in its run)");
        }
        if (objective == null) {
            throw new IllegalArgumentException(name + ": key 'objective': expected val_loss or val_acc, got '" + obj
                    + "'");
        }
        int maxCandidates = integer(name, map, "max_candidates", 100, 1);
        double maxMinutes = number(name, map, "max_minutes", 600.0);
        if (!(maxMinutes > 0)) {
            throw new IllegalArgumentException(name + ": key 'max_minutes': expected a positive number, got "
                    + maxMinutes);
        }
        Map<String, Parameter> params = new LinkedHashMap<>();
        Object p = map.get("parameters");
        if (!(p instanceof Map<?, ?> pm) || pm.isEmpty()) {
            throw new IllegalArgumentException(name + ": key 'parameters': expected a mapping of at least one flag"
                    + " to its range");
        }
        for (Map.Entry<?, ?> e : pm.entrySet()) {
            String key = String.valueOf(e.getKey());
            params.put(key, parameter(name, "parameters." + key, e.getValue()));
        }
        Map<String, String> fixed = new LinkedHashMap<>();
        Object f = map.get("fixed");
        if (f != null) {
            if (!(f instanceof Map<?, ?> fm)) {
                throw new IllegalArgumentException(name + ": key 'fixed': expected a mapping of train flags to values");
            }
            for (Map.Entry<?, ?> e : fm.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (params.containsKey(key)) {
                    throw new IllegalArgumentException(name + ": key 'fixed." + key + "': also swept under"
                            + " 'parameters'");
                }
                if (key.equals("experiment") || key.equals("ckpt_save_dir")) {
                    throw new IllegalArgumentException(name + ": key 'fixed." + key + "': set by the sweep itself");
                }
                fixed.put(key, flagValue(e.getValue()));
            }
        }
        SweepSpec spec = new SweepSpec(experiment, search, gridPoints, candidates, seed, objective, maxCandidates,
                maxMinutes, params, fixed);
        TrialCommand.validate(name, spec);
        return spec;
    }

    private static Parameter parameter(String file, String key, Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(file + ": key '" + key + "': expected a mapping with 'type'"
                    + " (continuous, integer or discrete)");
        }
        for (Object k : m.keySet()) {
            if (!PARAM_KEYS.contains(String.valueOf(k))) {
                throw new IllegalArgumentException(file + ": key '" + key + "." + k + "': unknown (expected type,"
                        + " min, max, log, values)");
            }
        }
        String type = String.valueOf(m.get("type"));
        switch (type) {
            case "continuous", "integer" -> {
                Double min = num(file, key + ".min", m.get("min"));
                Double max = num(file, key + ".max", m.get("max"));
                if (min > max) {
                    throw new IllegalArgumentException(file + ": key '" + key + "': min " + min + " > max " + max);
                }
                Object logObj = m.get("log");
                if (logObj != null && !(logObj instanceof Boolean)) {
                    throw new IllegalArgumentException(file + ": key '" + key + ".log': expected true or false, got "
                            + logObj);
                }
                boolean log = Boolean.TRUE.equals(logObj);
                if (log && min <= 0) {
                    throw new IllegalArgumentException(file + ": key '" + key + "': a log scale needs min > 0, got "
                            + min);
                }
                if (type.equals("integer") && (min != Math.rint(min) || max != Math.rint(max))) {
                    throw new IllegalArgumentException(file + ": key '" + key + "': integer bounds expected, got "
                            + min + ".." + max);
                }
                return new Parameter(type, min, max, log, null);
            }
            case "discrete" -> {
                Object values = m.get("values");
                if (!(values instanceof List<?> l) || l.isEmpty()) {
                    throw new IllegalArgumentException(file + ": key '" + key + ".values': expected a non-empty list");
                }
                List<Object> out = new ArrayList<>();
                for (Object o : l) {
                    if (o == null || o instanceof Map || o instanceof List) {
                        throw new IllegalArgumentException(file + ": key '" + key + ".values': expected scalar"
                                + " values, got " + o);
                    }
                    out.add(o);
                }
                return new Parameter(type, null, null, false, out);
            }
            default -> throw new IllegalArgumentException(file + ": key '" + key + ".type': expected continuous,"
                    + " integer or discrete, got '" + type + "'");
        }
    }

    /** YAML scalar as a command-line value (booleans as upstream's True/False). */
    static String flagValue(Object v) {
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder();
            for (Object o : l) {
                sb.append(sb.length() == 0 ? "" : ",").append(o);
            }
            return sb.toString();
        }
        return String.valueOf(v);
    }

    private static Double num(String file, String key, Object v) {
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(file + ": key '" + key + "': expected a number, got " + v);
        }
        return n.doubleValue();
    }

    private static String string(String file, Map<?, ?> m, String key, String fallback) {
        Object v = m.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new IllegalArgumentException(file + ": key '" + key + "': required");
            }
            return fallback;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(file + ": key '" + key + "': expected a string, got " + v);
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private static int integer(String file, Map<?, ?> m, String key, int fallback, int min) {
        Object v = m.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Integer i) || i < min) {
            throw new IllegalArgumentException(file + ": key '" + key + "': expected an integer >= " + min + ", got "
                    + v);
        }
        return i;
    }

    private static double number(String file, Map<?, ?> m, String key, double fallback) {
        Object v = m.get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(file + ": key '" + key + "': expected a number, got " + v);
        }
        return n.doubleValue();
    }

    static String readResource(String name) {
        try (var in = SweepSpec.class.getResourceAsStream("/org/symile/hyperparams/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no bundled search space " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
