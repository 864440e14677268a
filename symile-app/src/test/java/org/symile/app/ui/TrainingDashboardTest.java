package org.symile.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;

/**
 * {@code train --ui True} serves the run in DL4J's training UI while it trains and keeps its statistics;
 * {@code symile ui}'s API serves them again from the run directory. Checked over HTTP on free ports.
 */
class TrainingDashboardTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void stopServer() {
        TrainingDashboard.stopServer();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The overview's scores: one per reported step (the train loss). The server picks up an attached session
     * asynchronously, so the data is asked for until it lists scores (at most 20 s).
     */
    private JsonNode overview(int port) throws Exception {
        HttpResponse<String> page = get(port, "/train/overview");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<html") || page.body().contains("<!DOCTYPE"), page.body());
        JsonNode data = null;
        for (int attempt = 0; attempt < 40 && (data == null || data.path("scores").isEmpty()); attempt++) {
            if (attempt > 0) {
                Thread.sleep(500);
            }
            HttpResponse<String> r = get(port, "/train/overview/data");
            assertEquals(200, r.statusCode(), r.body());
            data = new ObjectMapper().readTree(r.body());
        }
        return data;
    }

    @Test
    void trainingIsServedLiveAndAgainFromTheRunDirectory(@TempDir Path root) throws Exception {
        int port = freePort();
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--use_seed", "True", "--seed", "3",
                "--d", "8", "--d_v", "3", "--train_n", "64", "--val_n", "32", "--test_n", "32", "--batch_sz_train",
                "16", "--batch_sz_val", "16", "--batch_sz_test", "16", "--epochs", "3", "--p_hats", "0.5",
                "--ckpt_save_dir", root.toString(), "--ui", "True", "--ui_port", String.valueOf(port));
        assertEquals(0, r.code(), r.err());
        Path run = CliRunner.onlyRun(root);
        assertTrue(Files.size(run.resolve("p_hat_0.5/" + TrainingDashboard.STATS_FILE)) > 0);
        JsonNode live = overview(port);
        assertEquals(12, live.path("scores").size(), live.toString()); // 3 epochs of 4 steps
        assertEquals(1, live.path("scoresIter").get(0).asInt());
        assertTrue(live.path("updateRatios").has("f_a_W"), live.path("updateRatios").toString());
        // parameters and updates reported at steps 1 and 10
        assertEquals(2, live.path("updateRatios").path("f_a_W").size(), live.toString());
        assertTrue(live.path("stdevUpdates").path("f_a_W").get(0).asDouble() > 0, live.toString());
        // the Symile page: validation metrics, exp(logit scale) and log N from metrics.csv
        HttpResponse<String> page = get(port, "/symile");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("validation accuracy"), page.body());
        JsonNode runs = new ObjectMapper().readTree(get(port, "/symile/runs").body());
        assertEquals(1, runs.size(), runs.toString());
        assertEquals(run.getFileName() + "/p_hat_0.5", runs.get(0).path("session").asText());
        JsonNode data = new ObjectMapper().readTree(get(port, "/symile/data/0").body());
        assertEquals(12, data.path("train").path("train_loss").size(), data.toString());
        assertEquals(3, data.path("val").path("val_acc").size(), data.toString());
        assertEquals(Math.log(16), data.path("train").path("log_n").get(0).asDouble(), 1e-9);
        assertTrue(data.path("train").path("logit_scale_exp").get(11).asDouble() > 0, data.toString());
        assertEquals(404, get(port, "/symile/data/7").statusCode());
        TrainingDashboard.stopServer();

        int again = freePort();
        TrainingDashboard.serve(List.of(run), again);
        JsonNode saved = overview(again);
        assertEquals(live.path("scores"), saved.path("scores"));
        JsonNode savedRuns = new ObjectMapper().readTree(get(again, "/symile/runs").body());
        assertEquals(run.getFileName() + "/p_hat_0.5", savedRuns.get(0).path("session").asText());
    }

    @Test
    void badRequestsAreRefused(@TempDir Path root) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingDashboard.serve(List.of(root), 0));
        assertTrue(e.getMessage().contains(root.toString()) && e.getMessage().contains("ui_stats.dl4j"),
                e.getMessage());
        CliRunner.Run r = CliRunner.run("train", "--experiment", "binary_xor", "--ui", "True", "--ui_port", "70000",
                "--ckpt_save_dir", root.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--ui_port"), r.err());
        r = CliRunner.run("ui", root.resolve("nosuch").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("nosuch"), r.err());
    }
}
