package org.symile.app.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.api.UIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.stats.impl.SbeStatsInitializationReport;
import org.deeplearning4j.ui.model.stats.impl.SbeStatsReport;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.train.Trainer;
import org.symile.app.train.TrainableModel;

/**
 * One training run's statistics in DL4J's training UI (deeplearning4j-ui, the Vert.x {@code UIServer}): every step
 * its train loss (the UI's score), learning rate and throughput; every {@link #PARAMETER_EVERY} steps each
 * parameter's mean magnitude and standard deviation and those of its update since the last report (per step),
 * from which the UI's overview draws update/parameter ratios and update deviations (for parameters whose name
 * ends in {@code W}). The model table's "layers" count is the number of parameter arrays. Reports go to
 * {@code ui_stats.dl4j} in the run's directory (a {@link FileStatsStorage}), attached to the UI while the run
 * trains, so {@link #serve} can show the run again later. Validation loss and accuracy, exp(logit scale) per step
 * are in the run's {@code metrics.csv} and plots, which the UI has no chart for.
 *
 * <p>Costs: one copy of the parameters for the update magnitudes, and per report a pass over them.
 */
public final class TrainingDashboard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingDashboard.class);
    /** The statistics file in a run's (or binary_xor part's) directory. */
    public static final String STATS_FILE = "ui_stats.dl4j";
    /** Steps between parameter and update statistics. */
    public static final int PARAMETER_EVERY = 10;
    private static final String WORKER = "0";

    /** Storages attached to this JVM's UI server: they stay open while it serves them. */
    private static final List<StatsStorage> SERVED = new ArrayList<>();

    private final StatsStorage storage;
    private final boolean served;
    private final String session;
    private final long start = System.currentTimeMillis();
    private Map<String, INDArray> snapshot;
    private long snapshotStep;
    private long examples;

    private TrainingDashboard(StatsStorage storage, boolean served, String session) {
        this.storage = storage;
        this.served = served;
        this.session = session;
    }

    /**
     * Starts reporting a run (and, with {@code port} not null, the UI on that port if it is not running yet).
     *
     * @param session   the UI's session id (the run directory's name, with the p̂ part)
     * @param startStep training steps taken before this fit (a resumed run's)
     * @throws IllegalArgumentException naming --ui_port when the UI cannot listen there
     */
    public static TrainingDashboard open(Path dir, String session, Integer port, TrainableModel model,
                                         long startStep) {
        StatsStorage storage = new FileStatsStorage(dir.resolve(STATS_FILE).toFile());
        if (port != null) {
            attach(server(port), storage);
            RunsModule.register(session, dir);
        }
        TrainingDashboard d = new TrainingDashboard(storage, port != null, session);
        d.init(model, startStep);
        return d;
    }

    /** The UI server of this JVM, started on {@code port} if not running. */
    public static UIServer server(int port) {
        try {
            UIServer s = VertxUIServer.getInstance(port, false, null);
            LOG.info("DL4J training UI at http://localhost:{}/train/overview (validation metrics: /symile)",
                    s.getPort());
            return s;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--ui_port " + port + ": the training UI cannot start there ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * Serves saved runs: every {@value #STATS_FILE} under the given directories.
     *
     * @return the server (stop it with {@link UIServer#stop()})
     * @throws IllegalArgumentException naming a directory without statistics
     */
    public static UIServer serve(List<Path> dirs, int port) {
        Map<Path, String> files = new LinkedHashMap<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + ": not a run directory");
            }
            try (Stream<Path> s = Files.walk(dir, 3)) {
                List<Path> found = s.filter(p -> p.getFileName().toString().equals(STATS_FILE)).sorted().toList();
                if (found.isEmpty()) {
                    throw new IllegalArgumentException(dir + ": no " + STATS_FILE + " (train with --ui True writes"
                            + " one)");
                }
                for (Path f : found) {
                    String rel = dir.relativize(f.getParent()).toString();
                    files.put(f, dir.toAbsolutePath().normalize().getFileName() + (rel.isEmpty() ? "" : "/" + rel));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
            }
        }
        UIServer server = server(port);
        files.forEach((f, session) -> {
            attach(server, new FileStatsStorage(f.toFile()));
            RunsModule.register(session, f.getParent());
            LOG.info("serving {}", f);
        });
        return server;
    }

    private static synchronized void attach(UIServer server, StatsStorage storage) {
        server.attach(storage);
        SERVED.add(storage);
    }

    /** Stops this JVM's UI server and closes the statistics files it served. */
    public static synchronized void stopServer() {
        try {
            VertxUIServer.stopInstance();
        } catch (Exception e) {
            LOG.warn("stopping the training UI: {}", e.toString());
        }
        for (StatsStorage s : SERVED) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.warn("closing {}: {}", STATS_FILE, e.toString());
            }
        }
        SERVED.clear();
        RunsModule.clear();
    }

    private void init(TrainableModel model, long startStep) {
        SbeStatsInitializationReport r = new SbeStatsInitializationReport();
        r.reportIDs(session, StatsListener.TYPE_ID, WORKER, start);
        Runtime rt = Runtime.getRuntime();
        r.reportSoftwareInfo(System.getProperty("os.arch"), System.getProperty("os.name"),
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("java.specification.version"),
                org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getName(), "FLOAT", host(), session,
                Map.<String, String>of());
        r.reportHardwareInfo(rt.availableProcessors(), 0, rt.maxMemory(), 0, new long[0], new String[0], "");
        Map<String, INDArray> params = floating(model.state());
        long n = params.values().stream().mapToLong(INDArray::length).sum();
        // the UI shows the class name's last part as the model type
        r.reportModelInfo(model.getClass().getName(), "{}", params.keySet().toArray(new String[0]), params.size(), n);
        storage.putStaticInfo(r);
        snapshot = new LinkedHashMap<>();
        params.forEach((k, v) -> snapshot.put(k, v.dup()));
        snapshotStep = startStep;
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** After a training step. */
    public void step(Trainer.StepStats s, TrainableModel model) {
        int rows = s.rows();
        examples += rows;
        SbeStatsReport r = new SbeStatsReport();
        r.reportIDs(session, StatsListener.TYPE_ID, WORKER, System.currentTimeMillis());
        r.reportIterationCount((int) Math.min(Integer.MAX_VALUE, s.step()));
        r.reportScore(s.trainLoss());
        Runtime rt = Runtime.getRuntime();
        r.reportMemoryUse(rt.totalMemory() - rt.freeMemory(), rt.maxMemory(), 0, 0, new long[0], new long[0]);
        r.reportPerformance(System.currentTimeMillis() - start, examples, s.step(), s.samplesPerSecond(),
                s.samplesPerSecond() / Math.max(rows, 1));
        if (s.step() == 1 || s.step() % PARAMETER_EVERY == 0) {
            Map<String, INDArray> params = floating(model.state());
            Map<String, Double> lr = new LinkedHashMap<>();
            Map<String, Double> magnitude = new LinkedHashMap<>();
            Map<String, Double> stdev = new LinkedHashMap<>();
            Map<String, Double> updates = new LinkedHashMap<>();
            Map<String, Double> updateStdev = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                INDArray p = e.getValue();
                lr.put(e.getKey(), s.lr());
                magnitude.put(e.getKey(), p.ameanNumber().doubleValue());
                stdev.put(e.getKey(), p.length() > 1 ? p.stdNumber().doubleValue() : 0.0);
                INDArray before = snapshot.get(e.getKey());
                if (before != null && s.step() > snapshotStep) {
                    long steps = s.step() - snapshotStep;
                    try (INDArray delta = p.sub(before)) {
                        updates.put(e.getKey(), delta.ameanNumber().doubleValue() / steps);
                        updateStdev.put(e.getKey(), delta.length() > 1 ? delta.stdNumber().doubleValue() / steps
                                : 0.0);
                    }
                }
            }
            r.reportLearningRates(lr);
            r.reportMeanMagnitudes(StatsType.Parameters, magnitude);
            r.reportStdev(StatsType.Parameters, stdev);
            if (!updates.isEmpty()) {
                r.reportMeanMagnitudes(StatsType.Updates, updates);
                r.reportStdev(StatsType.Updates, updateStdev);
            }
            params.forEach((k, v) -> snapshot.get(k).assign(v));
            snapshotStep = s.step();
        }
        storage.putUpdate(r);
    }

    private static Map<String, INDArray> floating(Map<String, INDArray> state) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (v.dataType().isFPType()) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Ends reporting; a file the UI serves stays open until {@link #stopServer()} (or the JVM's exit). */
    @Override
    public void close() {
        if (!served) {
            try {
                storage.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing " + STATS_FILE + ": " + e.getMessage(), e);
            }
        }
        snapshot.values().forEach(INDArray::close);
    }
}
