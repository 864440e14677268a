package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.CliRunner;
import org.symile.data.NpyFile;

class DataCommandsTest {

    @Test
    void generateThenInspectBothExperiments(@TempDir Path root) throws Exception {
        Path m3 = root.resolve("m3");
        CliRunner.Run g = CliRunner.run("generate", "--experiment", "symile_m3", "--out", m3.toString(), "--train_n",
                "50", "--val_n", "20", "--test_n", "20", "--num_langs", "2", "--num_words", "2");
        assertEquals(0, g.code(), g.err());
        assertTrue(Files.exists(m3.resolve("metadata.json")));
        assertTrue(g.out().strip().startsWith("wrote " + m3 + ": ") && g.out().contains("metadata.json")
                && g.out().contains("train/"), g.out());
        CliRunner.Run i = CliRunner.run("inspect", m3.toString(), "--json");
        assertEquals(0, i.code(), i.err());
        JsonNode splits = new ObjectMapper().readTree(i.out()).get("splits");
        assertEquals(50, splits.get("train").get("rows").asInt());
        assertTrue(splits.get("train").get("consistent").asBoolean());
        assertEquals("[50, 4]", splits.get("train").get("tensors").get("text_input_ids").get("shape").asText());
        JsonNode layouts = new ObjectMapper().readTree(i.out()).get("layouts");
        assertTrue(layouts.get("symile_m3").get("satisfied").asBoolean(), layouts.toString());
        assertTrue(layouts.get("symile_mimic").get("reason").asText().contains("cxr_train"), layouts.toString());

        Path mimic = root.resolve("mimic");
        assertEquals(0, CliRunner.run("generate", "--experiment", "symile_mimic", "--out", mimic.toString(),
                "--train_n", "30", "--val_n", "12", "--test_n", "12", "--image_size", "8", "--ecg_length",
                "16").code());
        JsonNode ms = new ObjectMapper().readTree(CliRunner.run("inspect", mimic.toString(), "--json").out())
                .get("splits");
        assertEquals(120, ms.get("test").get("rows").asInt());
        assertEquals("int64", ms.get("test").get("tensors").get("label").get("dtype").asText());

        Path custom = root.resolve("custom");
        CliRunner.Run c = CliRunner.run("generate", "--experiment", "custom", "--out", custom.toString(),
                "--train_n", "40", "--val_n", "10", "--test_n", "10", "--bits", "5");
        assertEquals(0, c.code(), c.err());
        JsonNode cs = new ObjectMapper().readTree(CliRunner.run("inspect", custom.toString(), "--json").out());
        assertEquals("[40, 7]", cs.get("splits").get("train").get("tensors").get("right").get("shape").asText());
        assertEquals("tokens [N, 7], masked, can be absent", cs.get("layouts").get("custom").get("modalities")
                .get("right").asText());
        assertEquals(2, CliRunner.run("generate", "--experiment", "custom", "--out", root.resolve("y").toString(),
                "--bits", "0").code());

        CliRunner.Run again = CliRunner.run("generate", "--experiment", "symile_m3", "--out", m3.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--out") && again.err().contains("not empty"), again.err());
        assertEquals(2, CliRunner.run("generate", "--experiment", "symile_m3", "--out",
                root.resolve("x").toString(), "--num_words", "9").code());
    }

    @Test
    void inspectFileReportsStatistics(@TempDir Path root) throws Exception {
        Path f = root.resolve("a.npy");
        NpyFile.write(f, Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}).castTo(DataType.FLOAT));
        CliRunner.Run r = CliRunner.run("inspect", f.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertEquals("npy", n.get("format").asText());
        assertEquals("float32", n.get("dtype").asText());
        assertEquals("[3,3]", n.get("shape").toString());
        assertEquals(1.0, n.get("min").asDouble(), 0.0);
        assertEquals(9.0, n.get("max").asDouble(), 0.0);
        assertEquals(5.0, n.get("mean").asDouble(), 1e-9);
        assertEquals("[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0]", n.get("head").toString());
    }

    /**
     * A torch archive whose pickle would call posix.system when Python loads it: inspect shows the call as inert
     * data (exit 0) and says plainly that the file is unsafe, naming the callable; a Lightning checkpoint is not.
     */
    @Test
    void inspectSaysWhenAPickleWouldRunCode() throws Exception {
        Path fixtures = Path.of("").toAbsolutePath().getParent().resolve("symile-data/src/test/resources/fixtures");
        CliRunner.Run evil = CliRunner.run("inspect", fixtures.resolve("bad_evil.pt").toString());
        assertEquals(0, evil.code(), evil.err());
        String warning = evil.out().lines().filter(l -> l.contains("unsafe")).findFirst().orElse("");
        assertTrue(warning.contains("posix.system"), evil.out());
        JsonNode json = new ObjectMapper().readTree(CliRunner.run("inspect", fixtures.resolve("bad_evil.pt")
                .toString(), "--json").out());
        assertEquals("posix.system", json.get("unsafe_calls").get(0).asText());
        CliRunner.Run lightning = CliRunner.run("inspect", fixtures.resolve("lightning_m3.ckpt").toString());
        assertEquals(0, lightning.code(), lightning.err());
        assertTrue(!lightning.out().contains("unsafe"), lightning.out());
    }

    @Test
    void inspectRejectsBadFilesWithStatus2(@TempDir Path root) throws Exception {
        Path bad = root.resolve("bad.npy");
        Files.writeString(bad, "not numpy");
        CliRunner.Run r = CliRunner.run("inspect", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad.npy"), r.err());
        CliRunner.Run missing = CliRunner.run("inspect", root.resolve("nope.pt").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.pt"), missing.err());
        Path legacy = root.resolve("legacy.pt");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a});
        CliRunner.Run l = CliRunner.run("inspect", legacy.toString());
        assertEquals(2, l.code());
        assertTrue(l.err().contains("torch>=1.6"), l.err());
    }
}
