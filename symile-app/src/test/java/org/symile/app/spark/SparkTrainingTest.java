package org.symile.app.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.CliRunner;
import org.symile.app.run.Checkpoint;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.SparkSpec;
import org.symile.app.spec.SparkTrainingMaster;
import org.symile.data.synthetic.SyntheticM3;
import org.symile.data.synthetic.SyntheticMimic;

/** train --spark_master in Spark's local mode: training, exact resume, accuracy against one process, refusals. */
class SparkTrainingTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void generate() {
        SyntheticM3.write(data.resolve("m3"), new SyntheticM3.Config(600, 120, 60, 2, 2, 4, 8, 8, 0.1, 11));
        SyntheticMimic.write(data.resolve("mimic"), new SyntheticMimic.Config(40, 10, 10, 16, 32, 4, 0.3, 7));
    }

    private static String[] m3(Path saveDir, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--experiment", "symile_m3", "--data_dir",
                data.resolve("m3").toString(), "--ckpt_save_dir", saveDir.toString(), "--d", "16", "--text_hidden",
                "16", "--text_heads", "2", "--batch_sz_val", "120", "--lr", "0.01", "--logit_scale_init", "1.0",
                "--use_seed", "True", "--seed", "5"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"parameter_averaging", "shared_gradients"})
    void trainsAndResumesBitForBit(String master, @TempDir Path root) throws IOException {
        boolean averaging = master.equals("parameter_averaging");
        String[] spark = CliRunner.concat(new String[] {"--spark_master", "local[2]", "--spark_training_master", master,
            "--batch_sz_train", "50", "--check_val_every_n_epoch", "1"}, averaging
            ? new String[] {"--spark_averaging_frequency", "2"} : new String[0]);
        CliRunner.Run full = CliRunner.run(CliRunner.concat(m3(root.resolve("full"), spark), "--epochs", "3"));
        assertEquals(0, full.code(), full.err());
        Path fullRun = CliRunner.onlyRun(root.resolve("full"));
        List<String[]> rows = trainRows(fullRun);
        // 12 batches over 2 workers: 6 steps an epoch, in rounds of 2 steps with averaging, one by one otherwise
        assertEquals(averaging ? 9 : 18, rows.size());
        assertEquals(averaging ? "2" : "1", rows.get(0)[2], "a round of two steps per worker is two steps");
        double first = Double.parseDouble(rows.get(0)[3]);
        double last = Double.parseDouble(rows.get(rows.size() - 1)[3]);
        assertTrue(last < 0.6 * first, "train loss " + first + " -> " + last);
        JsonNode info = new ObjectMapper().readTree(fullRun.resolve("run_info.json").toFile());
        assertEquals("local[2]", info.path("args").path("spark_master").asText());
        assertEquals(master, info.path("args").path("spark_training_master").asText());
        assertEquals(3, info.path("validation_metrics").size());

        // two epochs, then resumed for the third: the same weights, AdamW state and metrics as the full run
        assertEquals(0, CliRunner.run(CliRunner.concat(m3(root.resolve("cut"), spark), "--epochs", "2")).code());
        Path cutRun = CliRunner.onlyRun(root.resolve("cut"));
        CliRunner.Run resumed = CliRunner.run(CliRunner.concat(m3(root.resolve("cut"), spark), "--epochs", "3",
                "--ckpt_path", cutRun.resolve("last.ckpt").toString()));
        assertEquals(0, resumed.code(), resumed.err());
        Checkpoint a = Checkpoint.read(fullRun.resolve("last.ckpt"));
        Checkpoint b = Checkpoint.read(cutRun.resolve("last.ckpt"));
        assertSame(a.variables(), b.variables());
        assertSame(a.optimizer(), b.optimizer());
        assertEquals(a.meta().optimizerSteps(), b.meta().optimizerSteps());
        assertEquals(withoutThroughput(fullRun), withoutThroughput(cutRun));

        // a run trained on Spark continues in one process
        CliRunner.Run single = CliRunner.run(CliRunner.concat(m3(root.resolve("cut"), "--batch_sz_train", "50",
                "--check_val_every_n_epoch", "1"), "--epochs", "4", "--ckpt_path",
                cutRun.resolve("last.ckpt").toString()));
        assertEquals(0, single.code(), single.err());
        assertEquals(4, new ObjectMapper().readTree(cutRun.resolve("run_info.json").toFile())
                .path("validation_metrics").size());
    }

    /**
     * Two workers with half the batch each (the same 60 rows per step, 10 steps per epoch) against one process:
     * after 8 epochs the validation accuracy of either training master is within 0.1 of the single-process run's
     * (measured when written: 0.725 in one process, 0.742 with parameter averaging every 2 steps, 0.800 with shared
     * gradients; the runs are seeded, so these numbers repeat).
     */
    @Test
    void accuracyIsWithinMarginOfOneProcess(@TempDir Path root) throws IOException {
        String[] common = {"--epochs", "8", "--check_val_every_n_epoch", "2"};
        CliRunner.Run one = CliRunner.run(CliRunner.concat(m3(root.resolve("one"), common), "--batch_sz_train", "60"));
        assertEquals(0, one.code(), one.err());
        CliRunner.Run averaged = CliRunner.run(CliRunner.concat(m3(root.resolve("pa"), common), "--batch_sz_train",
                "30", "--spark_master", "local[2]", "--spark_training_master", "parameter_averaging",
                "--spark_averaging_frequency", "2"));
        assertEquals(0, averaged.code(), averaged.err());
        CliRunner.Run shared = CliRunner.run(CliRunner.concat(m3(root.resolve("sg"), common), "--batch_sz_train",
                "30", "--spark_master", "local[2]"));
        assertEquals(0, shared.code(), shared.err());
        double accOne = lastValAcc(CliRunner.onlyRun(root.resolve("one")));
        assertTrue(accOne > 0.6, "one process learns: val_acc " + accOne);
        for (String run : new String[] {"pa", "sg"}) {
            double acc = lastValAcc(CliRunner.onlyRun(root.resolve(run)));
            assertEquals(accOne, acc, 0.1, run + ": val_acc on Spark " + acc + " vs one process " + accOne);
        }
    }

    /**
     * One worker sharing gradients takes exactly the single-process run's steps: with CLIP (no negatives drawn) the
     * weights, AdamW state and metrics after two epochs are the same to the bit, plain or gradient-cached (the worker
     * micro-batches its batch as one process does).
     */
    @ParameterizedTest
    @ValueSource(strings = {"0", "30"})
    void oneWorkerSharingGradientsIsTheSingleProcessRun(String micro, @TempDir Path root) throws IOException {
        String[] common = {"--epochs", "2", "--loss_fn", "clip", "--batch_sz_train", "100", "--micro_batch_sz", micro};
        assertEquals(0, CliRunner.run(CliRunner.concat(m3(root.resolve("one"), common))).code());
        CliRunner.Run spark = CliRunner.run(CliRunner.concat(m3(root.resolve("spark"), common), "--spark_master",
                "local[1]"));
        assertEquals(0, spark.code(), spark.err());
        Path a = CliRunner.onlyRun(root.resolve("one"));
        Path b = CliRunner.onlyRun(root.resolve("spark"));
        Checkpoint ca = Checkpoint.read(a.resolve("last.ckpt"));
        Checkpoint cb = Checkpoint.read(b.resolve("last.ckpt"));
        assertSame(ca.variables(), cb.variables());
        assertSame(ca.optimizer(), cb.optimizer());
        assertEquals(withoutThroughput(a), withoutThroughput(b));

        // and a single-process checkpoint continues on Spark
        CliRunner.Run resumed = CliRunner.run(CliRunner.concat(m3(root.resolve("one"), "--epochs", "3", "--loss_fn",
                "clip", "--batch_sz_train", "100", "--spark_master", "local[2]", "--ckpt_path",
                a.resolve("last.ckpt").toString())));
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(3, Checkpoint.read(a.resolve("last.ckpt")).meta().trainer().epoch());
    }

    /**
     * Global negatives: two workers of 30 rows, the driver's loss over all 60, equal one process at batch 60 with
     * --micro_batch_sz 30 (the same rows in the same order, the same O(N) negatives): weights, AdamW state and
     * metrics after two epochs the same to the bit; the start-up line says what each row is contrasted with.
     */
    @Test
    void globalNegativesAreTheSingleProcessMicroBatchedRun(@TempDir Path root) throws IOException {
        String[] common = {"--epochs", "2"};
        assertEquals(0, CliRunner.run(CliRunner.concat(m3(root.resolve("one"), common), "--batch_sz_train", "60",
                "--micro_batch_sz", "30")).code());
        CliRunner.Run spark = CliRunner.run(CliRunner.concat(m3(root.resolve("spark"), common), "--batch_sz_train",
                "30", "--spark_master", "local[2]", "--spark_negatives", "global"));
        assertEquals(0, spark.code(), spark.err());
        // what the start-up line reports each row is contrasted with
        RunSpec spec = RunSpec.fromFlags(Map.of("experiment", "symile_m3", "data_dir", "d"));
        assertEquals("59 negative tuples", SparkTraining.negativesPerRow(spec, 60));
        assertEquals("3599 negative tuples", SparkTraining.negativesPerRow(spec.with(Map.of("negative_sampling",
                "n_squared")), 60));
        assertEquals("59 negatives per pair", SparkTraining.negativesPerRow(spec.with(Map.of("loss_fn", "clip")),
                60));
        Path a = CliRunner.onlyRun(root.resolve("one"));
        Path b = CliRunner.onlyRun(root.resolve("spark"));
        Checkpoint ca = Checkpoint.read(a.resolve("last.ckpt"));
        Checkpoint cb = Checkpoint.read(b.resolve("last.ckpt"));
        assertSame(ca.variables(), cb.variables());
        assertSame(ca.optimizer(), cb.optimizer());
        assertEquals(withoutThroughput(a), withoutThroughput(b));
        assertEquals("global", new ObjectMapper().readTree(b.resolve("run_info.json").toFile()).path("args")
                .path("spark_negatives").asText());

        // symile_mimic's ComputationGraph trains with global negatives too
        CliRunner.Run mimic = CliRunner.run("train", "--experiment", "symile_mimic", "--data_dir",
                data.resolve("mimic").toString(), "--ckpt_save_dir", root.resolve("mimic").toString(), "--d", "8",
                "--resnet_base_width", "4", "--batch_sz_train", "10", "--batch_sz_val", "10", "--epochs", "1",
                "--use_seed", "True", "--spark_master", "local[2]", "--spark_negatives", "global",
                "--micro_batch_sz", "5");
        assertEquals(0, mimic.code(), mimic.err());
        assertEquals(2, trainRows(CliRunner.onlyRun(root.resolve("mimic"))).size());
    }

    @Test
    void trainsSymileMimicsComputationGraph(@TempDir Path root) throws IOException {
        CliRunner.Run r = CliRunner.run("train", "--experiment", "symile_mimic", "--data_dir",
                data.resolve("mimic").toString(), "--ckpt_save_dir", root.toString(), "--d", "8",
                "--resnet_base_width", "4", "--batch_sz_train", "10", "--batch_sz_val", "10", "--epochs", "1",
                "--use_seed", "True", "--spark_master", "local[2]", "--spark_workers", "2");
        assertEquals(0, r.code(), r.err());
        Path run = CliRunner.onlyRun(root);
        assertEquals(2, trainRows(run).size(), "4 batches over 2 workers sharing gradients: 2 steps");
        assertTrue(Files.exists(run.resolve("last.ckpt")));
        assertEquals(1, new ObjectMapper().readTree(run.resolve("run_info.json").toFile())
                .path("validation_metrics").size());
    }

    @Test
    void refusesWhatCannotTrainBeforeCreatingAnything(@TempDir Path root) throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliRunner.Run r = CliRunner.run(m3(root, "--epochs", "1", "--spark_master", "spark://127.0.0.1:" + closed));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--spark_master spark://127.0.0.1:" + closed + ": cannot reach the master"),
                r.err());
        assertFalse(Files.exists(root) && Files.list(root).findAny().isPresent(), "nothing written");

        r = CliRunner.run(m3(root, "--spark_master", "localhost[2]"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_master: expected local[N]"), r.err());
        r = CliRunner.run(m3(root, "--spark_workers", "2"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_workers: applies to training on Spark only"), r.err());
        r = CliRunner.run("train", "--experiment", "binary_xor", "--spark_master", "local[2]");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("binary_xor trains in one process"), r.err());
        r = CliRunner.run(m3(root, "--spark_master", "local[2]", "--spark_averaging_frequency", "0"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_averaging_frequency: expected 1 or more"), r.err());
        r = CliRunner.run(m3(root, "--spark_master", "local[2]", "--spark_averaging_frequency", "3"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_averaging_frequency: applies to --spark_training_master"
                + " parameter_averaging"), r.err());
        r = CliRunner.run(m3(root, "--spark_master", "local[2]", "--spark_training_master", "parameter_averaging",
                "--spark_negatives", "global"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_negatives global: needs every step's representations"), r.err());
        r = CliRunner.run(m3(root, "--spark_negatives", "global"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_negatives: applies to training on Spark only"), r.err());
        r = CliRunner.run(m3(root, "--spark_master", "local[2]", "--spark_training_master", "ring"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--spark_training_master: expected shared_gradients or parameter_averaging"),
                r.err());
    }

    /** Executors that cannot open the data (here: a path that exists nowhere) are named before training. */
    @Test
    void executorsThatCannotReadTheDataAreRefused(@TempDir Path root) {
        Path missing = root.resolve("not-shared");
        RunSpec spec = RunSpec.fromFlags(Map.of("experiment", "symile_m3", "data_dir", missing.toString(),
                "spark_master", "local[2]"));
        ReplicaJob job = new ReplicaJob("test-unreadable", spec.toJson().toString(), "null", false);
        try (JavaSparkContext sc = SparkCluster.connect(spec.spark(), "test")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SparkCluster.checkExecutors(sc, job, 2, "local[2]", missing.toString()));
            assertTrue(e.getMessage().startsWith("--data_dir " + missing + ": the Spark executors could not open the"
                    + " training data ("), e.getMessage());
            assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
        } finally {
            Replicas.release(job.key());
        }
        assertEquals(new SparkSpec("local[2]", SparkTrainingMaster.SHARED_GRADIENTS, 0, 1), spec.spark());
    }

    private static void assertSame(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertEquals(v, b.get(k), k));
    }

    /** metrics.csv's train rows, split on commas. */
    private static List<String[]> trainRows(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,"))
                .map(l -> l.split(",", -1)).toList();
    }

    /** metrics.csv without its samples_per_s column (wall-clock). */
    private static List<String> withoutThroughput(Path run) throws IOException {
        return Files.readAllLines(run.resolve("metrics.csv")).stream()
                .map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }

    private static double lastValAcc(Path run) throws IOException {
        JsonNode v = new ObjectMapper().readTree(run.resolve("run_info.json").toFile()).path("validation_metrics");
        return v.get(v.size() - 1).path("val_acc").asDouble(-1);
    }
}
