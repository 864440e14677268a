package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;
import org.symile.app.bench.Benchmarks;

class BenchCommandTest {

    @Test
    void writesTableAndJsonWithTheDocumentedFields(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        CliRunner.Run r = CliRunner.run("bench", "--B", "8", "--d", "4", "--M", "3", "--bank", "16", "--warmup", "1",
                "--iters", "3", "--lean", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode row : rows) {
            names.add(row.get("name").asText());
            assertEquals(8, row.get("B").asInt());
            assertEquals(4, row.get("d").asInt());
            assertEquals(3, row.get("M").asInt());
            double p10 = row.get("p10_ms").asDouble();
            double med = row.get("median_ms").asDouble();
            double p90 = row.get("p90_ms").asDouble();
            assertTrue(p10 > 0 && p10 <= med && med <= p90, row.toString());
        }
        assertEquals(List.of("symile_n", "symile_n_closed", "symile_n_squared", "clip", "clip_closed", "zeroshot",
                "symile_n_squared_lean"), names);
        assertTrue(r.out().contains("median_ms"), r.out());
    }

    /** Smoothed loss rows say so in their notes; the tuple objectives keep their own smoothing. */
    @Test
    void smoothedLossRowsRecordTheirSmoothing(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        CliRunner.Run r = CliRunner.run("bench", "--B", "8", "--d", "4", "--warmup", "1", "--iters", "3",
                "--only", "symile_n_closed,clip,gram", "--label_smoothing", "0.2", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertEquals(0.2, rows.get(0).get("label_smoothing").asDouble(), 0.0);
        assertEquals(0.2, rows.get(1).get("label_smoothing").asDouble(), 0.0);
        assertTrue(rows.get(2).get("label_smoothing") == null, rows.get(2).toString());
    }

    /** The layer benchmarks run the 8-modality example's network at its sizes, in the form they name. */
    @Test
    void layerStepsReportTheExampleSizesAndTheirForm(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        CliRunner.Run r = CliRunner.run("bench", "--only", "layer_step,layer_step_graph", "--warmup", "1",
                "--iters", "3", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, rows.size());
        for (JsonNode row : rows) {
            assertEquals(1000, row.get("B").asInt());
            assertEquals(16, row.get("d").asInt());
            assertEquals(8, row.get("M").asInt());
            assertTrue(row.get("median_ms").asDouble() > 0, row.toString());
            assertTrue(row.get("peak_rss_mb").asDouble() > 0, row.toString());
        }
        assertEquals("closed_form", rows.get(0).get("loss_form").asText());
        assertEquals("graph", rows.get(1).get("loss_form").asText());
    }

    @Test
    void badFlagsExitWithUsageStatus() {
        CliRunner.Run r = CliRunner.run("bench", "--B", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--B"), r.err());
        r = CliRunner.run("bench", "--only", "nope");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--only") && r.err().contains("nope"), r.err());
        r = CliRunner.run("bench", "--dtype", "int8");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--dtype"), r.err());
        r = CliRunner.run("bench", "--B", "many");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--B") && r.err().lines().count() == 1, r.err());
        r = CliRunner.run("bench", "--data_mb", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data_mb: expected >= 1, got 0"), r.err());
        r = CliRunner.run("bench", "--label_smoothing", "1.5", "--only", "clip");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--label_smoothing: expected a number in [0, 1), got 1.5"), r.err());
        r = CliRunner.run("bench", "--image_size", "16", "--only", "resnet18_step");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--image_size"), r.err());
    }

    @Test
    void helpNamesEveryBenchmark() {
        CliRunner.Run r = CliRunner.run("bench", "--help");
        assertEquals(0, r.code());
        String help = r.out().replaceAll("\\s+", " ");
        for (String name : Benchmarks.NAMES) {
            assertTrue(help.contains(name + ",") || help.contains(name + " "), name + " missing from --help");
        }
        assertEquals(22, Benchmarks.NAMES.size());
    }
}
