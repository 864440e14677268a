package org.symile.app.train;

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

class CheckpointTest {

    @Test
    void roundTripsArraysOfEveryTypeAndMeta(@TempDir Path dir) {
        var meta = Checkpoint.newMeta();
        meta.put("epoch", 7);
        Map<String, INDArray> vars = Map.of("w", Nd4j.rand(DataType.FLOAT, 3, 4), "d", Nd4j.rand(DataType.DOUBLE, 2),
                "i", Nd4j.createFromArray(1L, 2L, 3L));
        Path f = dir.resolve("x.ckpt");
        new Checkpoint(meta, vars, Map.of("m/w", Nd4j.ones(DataType.FLOAT, 3, 4))).write(f);
        Checkpoint back = Checkpoint.read(f);
        assertEquals(7, back.meta().path("epoch").asInt());
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

    /** Child process: writes checkpoints of version 1, 2, 3, ... to the same file until killed. */
    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        for (int version = 1; ; version++) {
            var meta = Checkpoint.newMeta();
            meta.put("version", version);
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
        int version = back.meta().path("version").asInt();
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
