package org.symile.app.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.experiments.Experiments;
import org.symile.app.run.Experiment;
import org.symile.app.run.Json;
import org.symile.app.run.Split;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.BatchSource;
import org.symile.app.train.GradientCache;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainableModel;
import org.symile.data.synthetic.SyntheticM3;
import org.symile.samediff.Permutations;

/**
 * The executor side of Spark training without Spark: a replica rebuilt from a job's JSON records computes, at the
 * driver's weights, exactly the gradients and steps the driver's own model computes on the same rows and negatives,
 * and replicas are pooled per job until released.
 */
class ReplicasTest {
    @TempDir
    static Path data;
    private static RunSpec spec;

    private Experiment<?> driver;
    private ReplicaJob job;

    @BeforeAll
    static void generate() {
        SyntheticM3.write(data.resolve("m3"), new SyntheticM3.Config(80, 20, 20, 2, 2, 4, 8, 8, 0.1, 3));
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("experiment", "symile_m3");
        flags.put("data_dir", data.resolve("m3").toString());
        flags.put("d", "8");
        flags.put("text_hidden", "8");
        flags.put("text_heads", "2");
        flags.put("batch_sz_train", "10");
        flags.put("lr", "0.01");
        flags.put("use_seed", "True");
        spec = RunSpec.fromFlags(flags);
    }

    private ReplicaJob job(String key, boolean optimizer) {
        driver = Experiments.factory(spec.experiment()).open(spec, null, EnumSet.of(Split.TRAIN, Split.VAL));
        return new ReplicaJob(key, spec.toJson().toString(), Json.tree(driver.architecture()).toString(), optimizer);
    }

    @AfterEach
    void release() {
        if (job != null) {
            Replicas.release(job.key());
        }
        if (driver != null) {
            driver.close();
        }
    }

    private TrainableModel driverModel(boolean optimizer) {
        TrainableModel model = driver.buildModel(new RngStream(17), false);
        if (optimizer) {
            model.useOptimizer(spec.optimizer());
        }
        return model;
    }

    private static void assertSameArrays(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertEquals(v, actual.get(k), k));
    }

    @Test
    void gradientsAtTheDriversWeightsAreTheDriversGradients() {
        job = job("gradients", false);
        TrainableModel model = driverModel(false);
        long[] rows = {3, 14, 15, 9, 2, 6, 5, 35, 8, 7};
        GradientResult r = Replicas.gradients(job, ArrayBundle.write(model.state()),
                new RoundTask(1, new long[][] {rows}, new long[] {99}));
        BatchSource train = driver.batches(Split.TRAIN);
        TrainableModel.Gradients expected = model.gradients(train.batchOf(rows),
                Permutations.random(new RngStream(99)));
        assertEquals(1, r.worker());
        assertEquals(rows.length, r.rows());
        assertEquals(expected.loss(), r.loss(), 0.0);
        assertSameArrays(expected.arrays(), ArrayBundle.read(r.gradients()));
        assertTrue(expected.arrays().size() > 5, "gradients of every trained variable: " + expected.arrays().keySet());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Replicas.gradients(job,
                ArrayBundle.write(model.state()), new RoundTask(0, new long[][] {rows, rows}, new long[] {1, 2})));
        assertEquals("a shared-gradient task has one batch, not 2", e.getMessage());
    }

    @Test
    void aRoundOfStepsFromTheDriversStateEqualsTheSameStepsOnTheDriver() {
        job = job("round", true);
        TrainableModel model = driverModel(true);
        BatchSource train = driver.batches(Split.TRAIN);
        model.trainStep(train.batchOf(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), Permutations.random(new RngStream(1)));
        long[][] batches = {{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, {40, 41, 42, 43, 44, 45, 46, 47, 48, 49}};
        long[] seeds = {21, 22};
        RoundResult r = Replicas.train(job, new byte[][] {ArrayBundle.write(model.state()),
                ArrayBundle.write(model.optimizerState())}, model.optimizerSteps(), new RoundTask(0, batches, seeds));
        double[] losses = new double[2];
        for (int i = 0; i < 2; i++) {
            losses[i] = model.trainStep(train.batchOf(batches[i]), Permutations.random(new RngStream(seeds[i])));
        }
        assertArrayEquals(losses, r.losses(), 0.0);
        assertArrayEquals(new int[] {10, 10}, r.rows());
        assertEquals(3, r.steps());
        assertEquals(model.optimizerSteps(), r.steps());
        assertSameArrays(model.state(), ArrayBundle.read(r.weights()));
        assertSameArrays(model.optimizerState(), ArrayBundle.read(r.optimizer()));
        assertTrue(r.finite());
    }

    /** Global negatives' two executor phases: the driver's own cached encoding and its share of the gradients. */
    @Test
    void encodingAndBackPropagatingAShareAreTheDriversOwn() {
        Map<String, String> flags = new LinkedHashMap<>(spec.toFlagTexts());
        flags.put("micro_batch_sz", "4");
        RunSpec cached = RunSpec.fromFlags(flags);
        driver = Experiments.factory(cached.experiment()).open(cached, null, EnumSet.of(Split.TRAIN, Split.VAL));
        job = new ReplicaJob("phases", cached.toJson().toString(), Json.tree(driver.architecture()).toString(), false);
        TrainableModel model = driverModel(false);
        long[] rows = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
        RoundTask task = new RoundTask(2, new long[][] {rows}, new long[] {0});
        byte[] weights = ArrayBundle.write(model.state());
        EncodeResult e = Replicas.encode(job, weights, task);
        assertEquals(2, e.worker());
        assertEquals(10, e.rows());
        GradientCache cache = model.gradientCache().orElseThrow();
        var batch = driver.batches(Split.TRAIN).batchOf(rows);
        GradientCache.Encoded expected = cache.encode(batch, true);
        Map<String, INDArray> got = ArrayBundle.read(e.representations());
        for (int m = 0; m < 3; m++) {
            assertEquals(expected.representations().get(m), got.get("r" + m), "r" + m);
        }
        Map<String, INDArray> g = new LinkedHashMap<>();
        List<INDArray> list = new java.util.ArrayList<>();
        Nd4j.getRandom().setSeed(6);
        for (int m = 0; m < 3; m++) {
            INDArray r = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 10, 8);
            g.put("r" + m, r);
            list.add(r);
        }
        GradientResult back = Replicas.backpropagate(job, weights, new BackpropTask(task, ArrayBundle.write(g), 0.25));
        assertSameArrays(model.gradientsOf(batch, list, 0.25), ArrayBundle.read(back.gradients()));
        assertEquals(10, back.rows());
    }

    @Test
    void replicasArePooledPerJobUntilReleased() {
        job = job("pool", false);
        String opened = Replicas.open(job);
        assertTrue(opened.endsWith(" (80 rows)"), opened);
        assertEquals(1, Replicas.idle(job.key()));
        TrainableModel model = driverModel(false);
        Replicas.gradients(job, ArrayBundle.write(model.state()), new RoundTask(0, new long[][] {{1, 2, 3}},
                new long[] {4}));
        assertEquals(1, Replicas.idle(job.key()), "the open replica served the task and came back");
        Replicas.release(job.key());
        assertEquals(0, Replicas.idle(job.key()));
    }
}
