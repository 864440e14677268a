package org.symile.app.experiments.xor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.CliRunner;
import org.symile.app.run.Checkpoint;
import org.symile.app.runtime.Backend;

class BinaryXorExperimentTest {

    static String[] tiny(Path root, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--experiment", "binary_xor", "--use_seed", "True",
                "--seed", "3", "--d", "8", "--d_v", "3", "--train_n", "64", "--val_n", "32", "--test_n", "32",
                "--batch_sz_train", "16", "--batch_sz_val", "16", "--batch_sz_test", "16", "--epochs", "2",
                "--ckpt_save_dir", root.toString()));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }


    /**
     * A gradient-cached sweep (batches of 16 encoded 5 rows at a time: 6 + 5 + 5) trains the same models as plain
     * steps within float rounding: after two epochs the test accuracies agree and the weights differ by rounding.
     */
    @Test
    void microBatchedSweepTrainsLikeThePlainOne(@TempDir Path root) throws IOException {
        Path plain = root.resolve("plain");
        Path cached = root.resolve("cached");
        assertEquals(0, CliRunner.run(tiny(plain, "--p_hats", "0.5,1.0", "--loss_fn", "clip")).code());
        CliRunner.Run r = CliRunner.run(tiny(cached, "--p_hats", "0.5,1.0", "--loss_fn", "clip", "--micro_batch_sz",
                "5"));
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readAllLines(CliRunner.onlyRun(plain).resolve("binary_xor_results.csv")),
                Files.readAllLines(CliRunner.onlyRun(cached).resolve("binary_xor_results.csv")));
        for (String part : new String[] {"p_hat_0.5", "p_hat_1.0"}) {
            Checkpoint a = Checkpoint.read(CliRunner.onlyRun(plain).resolve(part).resolve("last.ckpt"));
            Checkpoint b = Checkpoint.read(CliRunner.onlyRun(cached).resolve(part).resolve("last.ckpt"));
            for (String k : a.variables().keySet()) {
                double diff = a.variables().get(k).sub(b.variables().get(k)).amaxNumber().doubleValue();
                assertTrue(diff < 1e-4, part + " " + k + ": " + diff);
            }
        }
    }

    @Test
    void tinySweepWritesElevenRowsAndAPlot(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root));
        assertEquals(0, r.code(), r.err());
        Path run = CliRunner.onlyRun(root);
        List<String> csv = Files.readAllLines(run.resolve("binary_xor_results.csv"));
        assertEquals("p_hat,loss_fn,acc", csv.get(0));
        assertEquals(12, csv.size(), csv.toString());
        for (int i = 1; i <= 11; i++) {
            String[] f = csv.get(i).split(",");
            assertEquals(String.format("%.1f", (i - 1) / 10.0), f[0]);
            assertEquals("symile", f[1]);
            double acc = Double.parseDouble(f[2]);
            assertTrue(acc >= 0 && acc <= 1, csv.get(i));
        }
        byte[] png = Files.readAllBytes(run.resolve("binary_xor_results.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        JsonNode info = new ObjectMapper().readTree(run.resolve("run_info.json").toFile());
        assertEquals(11, info.path("results").size());
        assertEquals(3, info.path("args").path("d_v").asInt());
        assertEquals(11, info.path("validation").size());
        // one ordinary run per p_hat: one best checkpoint, last.ckpt, its run_info.json, metrics and curves
        try (Stream<Path> s = Files.list(run.resolve("p_hat_0.5"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(6, names.size(), names.toString());
            assertEquals("curves.png", names.get(0));
            assertTrue(names.get(1).matches("epoch=\\d+-val_loss=\\d+\\.\\d{4}\\.ckpt"), names.toString());
            assertEquals(List.of("last.ckpt", "metrics.csv", "run_info.json", "val_acc.png"), names.subList(2, 6));
        }
        JsonNode part = new ObjectMapper().readTree(run.resolve("p_hat_0.5/run_info.json").toFile());
        assertEquals(2, part.path("validation_metrics").size(), "one validation per epoch");
        for (JsonNode v : part.path("validation_metrics")) {
            double acc = v.path("val_acc").asDouble(-1);
            // 32 validation rows in whole batches of 16
            assertTrue(acc >= 0 && acc <= 1 && Math.abs(acc * 32 - Math.rint(acc * 32)) < 1e-9, v.toString());
        }
        assertEquals(1, part.path("test_acc").size());
        assertEquals(Double.parseDouble(csv.get(6).split(",")[2]), part.path("test_acc").get(0).asDouble(), 0.0);
    }

    @Test
    void bootstrapWritesElevenTimesBootstrapNRows(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root, "--bootstrap", "True", "--bootstrap_n", "2", "--loss_fn",
                "clip", "--epochs", "1"));
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(CliRunner.onlyRun(root).resolve("binary_xor_results.csv"));
        assertEquals(1 + 22, csv.size());
        assertTrue(csv.get(1).contains(",clip,"));
    }

    @Test
    void sameSeedGivesIdenticalResults(@TempDir Path root) throws IOException {
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        assertEquals(0, CliRunner.run(tiny(a, "--p_hats", "0.0,1.0")).code());
        assertEquals(0, CliRunner.run(tiny(b, "--p_hats", "0.0,1.0")).code());
        assertEquals(Files.readAllLines(CliRunner.onlyRun(a).resolve("binary_xor_results.csv")),
                Files.readAllLines(CliRunner.onlyRun(b).resolve("binary_xor_results.csv")));
        assertVariablesEqual(CliRunner.onlyRun(a).resolve("p_hat_1.0/last.ckpt"), CliRunner.onlyRun(b).resolve("p_hat_1.0/last.ckpt"));
    }

    @Test
    void resumedRunContinuesExactlyLikeAnUninterruptedOne(@TempDir Path root) throws IOException {
        Path full = root.resolve("full");
        Path cut = root.resolve("cut");
        assertEquals(0, CliRunner.run(tiny(full, "--p_hats", "0.5", "--epochs", "4")).code());
        assertEquals(0, CliRunner.run(tiny(cut, "--p_hats", "0.5", "--epochs", "2")).code());
        Path last = CliRunner.onlyRun(cut).resolve("p_hat_0.5/last.ckpt");
        assertEquals(2, Checkpoint.read(last).meta().trainer().epoch());
        // rows an interrupted process wrote past its checkpoint are dropped on resume
        Path cutMetrics = CliRunner.onlyRun(cut).resolve("p_hat_0.5/metrics.csv");
        Files.writeString(cutMetrics, "train,3,9,9.9,,,1.0,2.7,0.1,100.0\nval,3,12,9.9,9.9,0.5,1.0,,0.1,\n",
                java.nio.file.StandardOpenOption.APPEND);
        CliRunner.Run resumed = CliRunner.run(tiny(cut, "--p_hats", "0.5", "--epochs", "4", "--ckpt_path",
                last.toString()));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(4, Checkpoint.read(last).meta().trainer().epoch());
        assertVariablesEqual(CliRunner.onlyRun(full).resolve("p_hat_0.5/last.ckpt"), last);
        assertEquals(Files.readAllLines(CliRunner.onlyRun(full).resolve("binary_xor_results.csv")),
                Files.readAllLines(CliRunner.onlyRun(cut).resolve("binary_xor_results.csv")));
        // metrics.csv of the resumed run is the uninterrupted run's, but for the timing column
        List<String> a = withoutTiming(CliRunner.onlyRun(full).resolve("p_hat_0.5/metrics.csv"));
        assertEquals(1 + 4 * 4 + 4, a.size(), a.toString()); // header, 4 steps per epoch, a validation per epoch
        assertEquals(a, withoutTiming(cutMetrics));
        assertTrue(Files.exists(cutMetrics.resolveSibling("curves.png")));
        assertTrue(Files.exists(cutMetrics.resolveSibling("val_acc.png")));
    }

    private static List<String> withoutTiming(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }

    /**
     * Three p̂ values on one worker and on three give the same numbers, and a run stopped with all three unfinished
     * resumes each from its own last.ckpt. Op threads are pinned to one in every run, as workers > 1 always do.
     */
    @Test
    void workersChangeNoNumberAndResumeContinuesEveryUnfinishedPHat(@TempDir Path root) throws IOException {
        Backend.setThreads(1);
        Path one = root.resolve("one");
        Path three = root.resolve("three");
        Path cut = root.resolve("cut");
        String[] ps = {"--p_hats", "0.2,0.5,0.9"};
        assertEquals(0, CliRunner.run(tiny(one, cat(ps, "--epochs", "4", "--p_hat_workers", "1"))).code());
        CliRunner.Run par = CliRunner.run(tiny(three, cat(ps, "--epochs", "4", "--p_hat_workers", "3")));
        assertEquals(0, par.code(), par.err());
        List<String> expected = Files.readAllLines(CliRunner.onlyRun(one).resolve("binary_xor_results.csv"));
        assertEquals(4, expected.size(), expected.toString());
        assertEquals(expected, Files.readAllLines(CliRunner.onlyRun(three).resolve("binary_xor_results.csv")));
        // stop every p̂ after 2 of 4 epochs (p_hat_done but short of --epochs), then resume from one of them
        assertEquals(0, CliRunner.run(tiny(cut, cat(ps, "--epochs", "2", "--p_hat_workers", "3"))).code());
        Path last = CliRunner.onlyRun(cut).resolve("p_hat_0.5/last.ckpt");
        CliRunner.Run resumed = CliRunner.run(tiny(cut, cat(ps, "--epochs", "4", "--p_hat_workers", "2",
                "--ckpt_path", last.toString())));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(expected, Files.readAllLines(CliRunner.onlyRun(cut).resolve("binary_xor_results.csv")));
        for (String p : List.of("p_hat_0.2", "p_hat_0.5", "p_hat_0.9")) {
            assertVariablesEqual(CliRunner.onlyRun(one).resolve(p + "/last.ckpt"), CliRunner.onlyRun(three).resolve(p + "/last.ckpt"));
            assertVariablesEqual(CliRunner.onlyRun(one).resolve(p + "/last.ckpt"), CliRunner.onlyRun(cut).resolve(p + "/last.ckpt"));
        }
    }

    @Test
    void aDivergedPHatStopsTheSweepWithItsAdvice(@TempDir Path root) {
        CliRunner.Run r = CliRunner.run(tiny(root, "--p_hats", "0.0,0.5,1.0", "--lr", "1e30", "--p_hat_workers",
                "2"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("diverged") && r.err().contains("--lr"), r.err());
    }

    private static String[] cat(String[] a, String... b) {
        List<String> out = new ArrayList<>(List.of(a));
        out.addAll(List.of(b));
        return out.toArray(new String[0]);
    }

    static void assertVariablesEqual(Path a, Path b) {
        Map<String, INDArray> va = Checkpoint.read(a).variables();
        Map<String, INDArray> vb = Checkpoint.read(b).variables();
        assertEquals(va.keySet(), vb.keySet());
        for (String k : va.keySet()) {
            assertArrayEquals(va.get(k).data().asFloat(), vb.get(k).data().asFloat(), 0f, k);
        }
        Map<String, INDArray> oa = Checkpoint.read(a).optimizer();
        Map<String, INDArray> ob = Checkpoint.read(b).optimizer();
        for (String k : oa.keySet()) {
            assertArrayEquals(oa.get(k).data().asFloat(), ob.get(k).data().asFloat(), 0f, k);
        }
    }

    @Test
    void resumeFromAMissingOrForeignFileIsAUsageError(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run(tiny(root, "--ckpt_path", root.resolve("nope.ckpt").toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--ckpt_path") && r.err().contains("nope.ckpt"), r.err());
        Path junk = root.resolve("junk.ckpt");
        Files.writeString(junk, "not a zip");
        r = CliRunner.run(tiny(root, "--ckpt_path", junk.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a") && r.err().contains("junk.ckpt"), r.err());
    }

    @Test
    void informationsCommandWritesCsvAndPlot(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run("informations", "--d_v", "2", "--save_dir", root.toString());
        assertEquals(0, r.code(), r.err());
        Path csv = Path.of(r.out().trim());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("p_hat,value,type", lines.get(0));
        assertEquals(1 + 55, lines.size());
        long bc = lines.stream().filter(l -> l.endsWith(",mi_b_c"))
                .filter(l -> Math.abs(Double.parseDouble(l.split(",")[1])) < 1e-12).count();
        assertEquals(11, bc, "I(b;c) = 0 at every p_hat");
        assertTrue(Files.size(csv.resolveSibling("mi.png")) > 1000);
        assertEquals(2, CliRunner.run("informations", "--d_v", "0", "--save_dir", root.toString()).code());
    }
}
