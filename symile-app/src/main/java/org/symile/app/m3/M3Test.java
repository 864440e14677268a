package org.symile.app.m3;

import java.nio.file.Path;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.symile.app.cli.TrainCommand;
import org.symile.app.config.TrainArgs;
import org.symile.app.experiments.RunState;
import org.symile.app.train.BatchSource;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.RngStream;
import org.symile.data.m3.M3Split;

/** upstream's test.py for Symile-M3 (spec §5.7, §5.8): test accuracy over the whole test split, or bootstraps. */
public final class M3Test {
    private M3Test() {
    }

    /**
     * @param resample null for the plain test; else independent with-replacement resamples of bank and queries
     */
    public static double run(Checkpoint ckpt, Path dataDir, int batchSzTest, RandomGenerator resample) {
        TrainArgs args = TrainCommand.fromRecorded(ckpt.meta().path("args"), Map.of("data_dir", dataDir.toString(),
                "batch_sz_test", String.valueOf(batchSzTest), "missingness", "False"));
        M3Model model = M3Experiment.build(ckpt.meta().path("model"), args, new RngStream(0), false);
        RunState.load(ckpt, model.graph(), "--ckpt_path");
        try (M3Split test = M3Split.open(dataDir, "test", null)) {
            BatchSource batches = M3Experiment.batches(model, ckpt.meta().path("model"), test, batchSzTest, false,
                    false);
            return M3Experiment.accuracy(model, batches, batchSzTest, resample);
        }
    }
}
