package org.symile.app.experiments;

import java.nio.file.Path;
import org.symile.app.config.TrainArgs;
import org.symile.app.io.RunDirectory;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.Seeds;

/**
 * Where a training run starts: afresh (a new run directory under {@code --ckpt_save_dir} and the seed
 * {@code --use_seed}/{@code --seed} give), or from {@code --ckpt_path}, whose run directory and seed it continues.
 *
 * @param resume the checkpoint to continue from, or null
 * @param seed   the seed every random stream of the run derives from
 * @param runDir the run directory
 */
public record RunStart(Checkpoint resume, long seed, Path runDir) {

    /**
     * Reads {@code --ckpt_path} when given and checks that it belongs to {@code --experiment}; otherwise resolves
     * the seed and creates the run directory.
     *
     * @throws IllegalArgumentException when the checkpoint is unreadable or from another experiment
     */
    public static RunStart of(TrainArgs args) {
        if (args.ckptPath() == null) {
            return new RunStart(null, Seeds.resolve(args.useSeed(), args.seed()), RunDirectory.create(
                    args.ckptSaveDir()));
        }
        Checkpoint ckpt = Checkpoint.read(args.ckptPath());
        String experiment = ckpt.meta().path("experiment").asText();
        if (!args.experiment().flag().equals(experiment)) {
            throw new IllegalArgumentException("--ckpt_path " + args.ckptPath() + ": a checkpoint of experiment '"
                    + experiment + "', not " + args.experiment().flag());
        }
        return new RunStart(ckpt, ckpt.meta().path("seed").asLong(), Path.of(ckpt.meta().path("save_dir").asText()));
    }
}
