package org.symile.app.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageEvent;
import org.deeplearning4j.ui.api.HttpMethod;
import org.deeplearning4j.ui.api.Route;
import org.deeplearning4j.ui.api.UIModule;
import org.deeplearning4j.ui.i18n.I18NResource;

/**
 * A page of DL4J's UI for what its Train pages cannot show: each registered run's {@code metrics.csv} as curves
 * (train loss per step, validation loss and accuracy, exp(logit scale), log N, learning rate), refreshed as the
 * file grows (every epoch). Routes: {@code /symile} (the page), {@code /symile/runs} (the runs, JSON) and
 * {@code /symile/data/:run} (one run's columns, JSON). Found by the UI server through Java's service loader
 * ({@code META-INF/services}); runs are registered by {@link TrainingDashboard}.
 */
public final class RunsModule implements UIModule {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Run> RUNS = new CopyOnWriteArrayList<>();
    private static final String[] SERIES = {"train_loss", "val_loss", "val_acc", "logit_scale_exp", "log_n", "lr"};

    /** A run's name in the UI and the directory holding its metrics.csv. */
    record Run(String session, Path dir) {
    }

    /** Shows a run on the page (once per directory). */
    static void register(String session, Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        if (RUNS.stream().noneMatch(r -> r.dir().equals(d))) {
            RUNS.add(new Run(session, d));
        }
    }

    /** Forgets every run (the server stopped). */
    static void clear() {
        RUNS.clear();
    }

    @Override
    public List<String> getCallbackTypeIDs() {
        return Collections.emptyList();
    }

    @Override
    public List<Route> getRoutes() {
        return List.of(new Route("/symile", HttpMethod.GET, (args, rc) -> page(rc)),
                new Route("/symile/runs", HttpMethod.GET, (args, rc) -> runs(rc)),
                new Route("/symile/data/:run", HttpMethod.GET, (args, rc) -> data(args.get(0), rc)));
    }

    private static void page(RoutingContext rc) {
        try (InputStream in = RunsModule.class.getResourceAsStream("runs.html")) {
            rc.response().putHeader("content-type", "text/html; charset=utf-8")
                    .end(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            rc.response().setStatusCode(500).end(e.getMessage());
        }
    }

    private static void runs(RoutingContext rc) {
        ArrayNode a = JSON.createArrayNode();
        for (int i = 0; i < RUNS.size(); i++) {
            a.addObject().put("run", i).put("session", RUNS.get(i).session()).put("dir", RUNS.get(i).dir().toString());
        }
        json(rc, a.toString());
    }

    private static void data(String run, RoutingContext rc) {
        int i;
        try {
            i = Integer.parseInt(run);
        } catch (NumberFormatException e) {
            i = -1;
        }
        if (i < 0 || i >= RUNS.size()) {
            rc.response().setStatusCode(404).end("no run " + run);
            return;
        }
        json(rc, series(RUNS.get(i).dir().resolve("metrics.csv")).toString());
    }

    /** The CSV's curves: {"train": {"step": [...], "train_loss": [...], ...}, "val": {...}}. */
    static ObjectNode series(Path csv) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode train = out.putObject("train");
        ObjectNode val = out.putObject("val");
        if (!Files.isRegularFile(csv)) {
            return out;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(csv + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty()) {
            return out;
        }
        List<String> header = List.of(lines.get(0).split(","));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length != header.size() || !(f[0].equals("train") || f[0].equals("val"))) {
                continue; // a row being written
            }
            ObjectNode into = f[0].equals("train") ? train : val;
            add(into, "step", f[header.indexOf("step")]);
            for (String name : SERIES) {
                int c = header.indexOf(name);
                if (c >= 0) {
                    add(into, name, f[c]);
                }
            }
        }
        return out;
    }

    private static void add(ObjectNode into, String name, String value) {
        ArrayNode a = into.has(name) ? (ArrayNode) into.get(name) : into.putArray(name);
        if (value.isEmpty()) {
            a.addNull();
        } else {
            a.add(Double.parseDouble(value));
        }
    }

    private static void json(RoutingContext rc, String body) {
        rc.response().putHeader("content-type", "application/json").end(body);
    }

    @Override
    public void reportStorageEvents(Collection<StatsStorageEvent> events) {
    }

    @Override
    public void onAttach(StatsStorage statsStorage) {
    }

    @Override
    public void onDetach(StatsStorage statsStorage) {
    }

    @Override
    public List<I18NResource> getInternationalizationResources() {
        return Collections.emptyList();
    }
}
