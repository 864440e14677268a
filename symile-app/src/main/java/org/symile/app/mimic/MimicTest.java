package org.symile.app.mimic;

import java.nio.file.Path;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.cli.TrainCommand;
import org.symile.app.config.TrainArgs;
import org.symile.app.experiments.RunState;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.RngStream;
import org.symile.data.mimic.MimicSplit;

/**
 * upstream's test.py for Symile-MIMIC (spec §2.6, §6.7): zero-shot CXR retrieval accuracy on the {@code test}
 * split; with bootstrap, the queries are resampled with replacement and every query keeps its own negatives.
 */
public final class MimicTest {
    private MimicTest() {
    }

    /**
     * Rebuilds the checkpoint's model, encodes the test split in chunks of {@code batchSzTest} and scores it.
     *
     * @param bootstrap resample the queries (with {@code rng}); ties are broken with {@code rng} too
     */
    public static double run(Checkpoint ckpt, Path dataDir, int batchSzTest, boolean bootstrap, RandomGenerator rng) {
        TrainArgs args = TrainCommand.fromRecorded(ckpt.meta().path("args"), Map.of("data_dir", dataDir.toString(),
                "batch_sz_test", String.valueOf(batchSzTest)));
        MimicModel model = MimicExperiment.build(ckpt.meta().path("model"), args, new RngStream(0), false);
        RunState.load(ckpt, model.graph(), "--ckpt_path");
        try (MimicSplit test = MimicSplit.open(dataDir, "test")) {
            MimicExperiment.requireShapes(ckpt.meta().path("model"), test, dataDir.resolve("test"));
            MimicRetrieval retrieval = MimicRetrieval.of(test, dataDir.resolve("test").toString());
            INDArray[] reps = MimicRetrieval.encode(model, MimicExperiment.batches(test, batchSzTest, false));
            return retrieval.accuracy(reps, MimicExperiment.score(model), model.scale(), rng, bootstrap ? rng : null);
        }
    }
}
