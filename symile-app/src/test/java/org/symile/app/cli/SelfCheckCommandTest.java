package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;

class SelfCheckCommandTest {

    @Test
    void bundledCasesAllPass() {
        CliRunner.Run r = CliRunner.run("selfcheck");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("0 mismatches"), r.out());
        // every bundled case shows up, in both float types where that applies
        for (String name : new String[] {"clip_M3.json", "symile_n_M4.json", "symile_n_squared_M4.json",
                "xor_informations.json", "zeroshot_scores.json", "gram_M4_all.json", "triangle_M3_anchor0.json",
                "gram_zeroshot_M3.json", "triangle_zeroshot_M3.json"}) {
            assertTrue(r.out().contains(name), name);
        }
        assertTrue(r.out().contains("symile n_squared lean"), r.out());
        assertTrue(r.out().contains("gram closed form") && r.out().contains("zero-shot triangle"), r.out());
    }

    /** GRAM and TRIANGLE cases in the shared format are read from any directory; a changed value is a mismatch. */
    @Test
    void tupleObjectiveCasesFromADirectory(@TempDir Path dir) throws IOException {
        for (String f : new String[] {"gram_M3_anchor0.json", "triangle_zeroshot_M3.json"}) {
            Files.write(dir.resolve(f), getClass().getResourceAsStream("/org/symile/samediff/testvectors/" + f)
                    .readAllBytes());
        }
        CliRunner.Run r = CliRunner.run("selfcheck", "--vectors", dir.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("0 mismatches") && r.out().contains("gram_M3_anchor0.json"), r.out());
        String text = Files.readString(dir.resolve("gram_M3_anchor0.json"));
        Files.writeString(dir.resolve("gram_M3_anchor0.json"),
                text.replaceFirst("\"label_smoothing\":\\s*[-0-9.eE+]+", "\"label_smoothing\": 0.0"));
        r = CliRunner.run("selfcheck", "--vectors", dir.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("MISMATCH"), r.out());
        Files.writeString(dir.resolve("gram_M3_anchor0.json"),
                text.replaceFirst("\"anchors\":\\s*\\[\\s*0\\s*\\]", "\"anchors\": [5]"));
        r = CliRunner.run("selfcheck", "--vectors", dir.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("gram_M3_anchor0.json") && r.err().contains("anchors"), r.err());
    }

    @Test
    void wrongExpectedValueIsAMismatch(@TempDir Path dir) throws IOException {
        String text = new String(getClass().getResourceAsStream("/org/symile/samediff/testvectors/symile_n_M2.json")
                .readAllBytes());
        String changed = text.replaceFirst("\"expected_loss\":\\s*[-0-9.eE+]+", "\"expected_loss\": 2.5");
        Files.writeString(dir.resolve("bad.json"), changed);
        CliRunner.Run r = CliRunner.run("selfcheck", "--vectors", dir.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("MISMATCH"), r.out());
    }

    @Test
    void malformedCaseNamesFileAndField(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("broken.json"), "{\"loss_fn\": \"symile\", \"negative_sampling\": \"n\","
                + " \"M\": 2, \"B\": 2, \"d\": 1, \"log_logit_scale\": 0.1, \"representations\": [[[1],[2]],[[3]]]}");
        CliRunner.Run r = CliRunner.run("selfcheck", "--vectors", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.json") && r.err().contains("representations[1]"), r.err());

        Files.writeString(dir.resolve("broken.json"), "{not json");
        r = CliRunner.run("selfcheck", "--vectors", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.json") && r.err().contains("not valid JSON"), r.err());

        r = CliRunner.run("selfcheck", "--vectors", dir.resolve("missing").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--vectors") && r.err().contains("not a directory"), r.err());
    }
}
