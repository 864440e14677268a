package org.symile.app.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.train.TrainState;

class CheckpointTest {

    /** A checkpoint's metadata with {@code seed} as a tag. */
    static CheckpointMeta meta(long tag) {
        return new CheckpointMeta(Checkpoint.FORMAT, "binary_xor", Json.MAPPER.createObjectNode().put("d", 8), tag,
                "/runs/x", "p_hat_0.5", new long[] {4}, Json.MAPPER.createObjectNode(),
                new TrainState.Snapshot(7, 70, 11, 12, List.of(new TrainState.EpochRecord(7, 1.5, 2.5,
                        Map.of("val_acc", 0.25), 3.0))), 70, 13,
                List.of(new CheckpointMeta.Validation(6, 2.5, 0.25)), new CheckpointMeta.Best(2.5, 6, "/runs/x/b.ckpt"),
                List.of(0.5, Double.NaN));
    }

    @Test
    void roundTripsArraysOfEveryTypeAndMeta(@TempDir Path dir) {
        CheckpointMeta meta = meta(42);
        Map<String, INDArray> vars = Map.of("w", Nd4j.rand(DataType.FLOAT, 3, 4), "d", Nd4j.rand(DataType.DOUBLE, 2),
                "i", Nd4j.createFromArray(1L, 2L, 3L));
        Path f = dir.resolve("x.ckpt");
        new Checkpoint(meta, vars, Map.of("m/w", Nd4j.ones(DataType.FLOAT, 3, 4))).write(f);
        Checkpoint back = Checkpoint.read(f);
        CheckpointMeta m = back.meta();
        assertEquals(42, m.seed());
        assertEquals("p_hat_0.5", m.part());
        assertEquals(4, m.streamIds()[0]);
        assertEquals(meta.trainer(), m.trainer());
        assertEquals(meta.validationMetrics(), m.validationMetrics());
        assertEquals(meta.best(), m.best());
        assertEquals(0.5, m.testAcc().get(0), 0.0);
        assertTrue(Double.isNaN(m.testAcc().get(1)));
        assertEquals(8, m.args().path("d").asInt());
        for (String k : vars.keySet()) {
            assertEquals(vars.get(k), back.variables().get(k), k);
        }
        assertEquals(Nd4j.ones(DataType.FLOAT, 3, 4), back.optimizer().get("m/w"));
    }

    @Test
    void rejectsFilesThatAreNotCheckpoints(@TempDir Path dir) throws IOException {
        Path junk = dir.resolve("junk.ckpt");
        Files.write(junk, new byte[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(junk));
        assertTrue(e.getMessage().contains("junk.ckpt"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir.resolve("missing.ckpt")));
    }

    @Test
    void refusesAnotherFormatNamingIt(@TempDir Path dir) throws IOException {
        Path old = dir.resolve("old.ckpt");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(old))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("meta.json"));
            zip.write("{\"format\": \"symile-checkpoint-1\", \"experiment\": \"binary_xor\"}".getBytes());
            zip.closeEntry();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(old));
        assertTrue(e.getMessage().contains("old.ckpt") && e.getMessage().contains("symile-checkpoint-1")
                && e.getMessage().contains(Checkpoint.FORMAT), e.getMessage());
    }

    /** Child process: writes checkpoints of version 1, 2, 3, ... to the same file until killed. */
    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        for (int version = 1; ; version++) {
            CheckpointMeta meta = meta(version);
            INDArray big = Nd4j.valueArrayOf(new long[] {4_000_000}, (double) version, DataType.FLOAT);
            new Checkpoint(meta, Map.of("w", big), Map.of()).write(file);
            System.out.println("wrote " + version);
        }
    }

    @Test
    void killDashNineDuringAWriteLeavesThePreviousCheckpointIntact(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("last.ckpt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CheckpointTest.class.getName(), file.toString()).redirectErrorStream(true).start();
        try {
            var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            String line;
            int written = 0;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("wrote ")) {
                    written = Integer.parseInt(line.substring(6));
                    if (written >= 2) {
                        break;
                    }
                }
            }
            assertTrue(written >= 2, "the writer started");
            Thread.sleep(150); // well inside the next write of ~16 MB
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        Checkpoint back = Checkpoint.read(file);
        int version = (int) back.meta().seed();
        assertTrue(version >= 2, "a complete earlier or later version, got " + version);
        INDArray w = back.variables().get("w");
        assertEquals(4_000_000, w.length());
        assertEquals(version, w.minNumber().doubleValue(), 0.0);
        assertEquals(version, w.maxNumber().doubleValue(), 0.0);
        try (Stream<Path> s = Files.list(dir)) {
            List<String> visible = s.map(x -> x.getFileName().toString()).filter(n -> !n.startsWith(".")).toList();
            assertEquals(List.of("last.ckpt"), visible, "only hidden temporary files besides the checkpoint");
        }
    }
}
