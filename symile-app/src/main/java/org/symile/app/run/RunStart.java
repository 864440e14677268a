package org.symile.app.run;

import java.nio.file.Path;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.Seeds;

/**
 * Where a training run starts: afresh (the seed {@code --use_seed}/{@code --seed} give, and a new run directory
 * under {@code --ckpt_save_dir}), or from {@code --ckpt_path}, whose run directory and seed it continues.
 *
 * @param resume the checkpoint to continue from, or null
 * @param seed   the seed every random stream of the run derives from
 */
public record RunStart(Checkpoint resume, long seed) {

    /**
     * Reads {@code --ckpt_path} when given and checks that it belongs to {@code --experiment}; otherwise resolves
     * the seed. Creates nothing.
     *
     * @throws IllegalArgumentException when the checkpoint is unreadable or from another experiment
     */
    public static RunStart of(RunSpec spec) {
        if (spec.ckptPath() == null) {
            return new RunStart(null, Seeds.resolve(spec.useSeed(), spec.seed()));
        }
        Checkpoint ckpt = Checkpoint.read(spec.ckptPath());
        if (ckpt.meta().kind() != spec.experiment()) {
            throw new IllegalArgumentException("--ckpt_path " + spec.ckptPath() + ": a checkpoint of experiment '"
                    + ckpt.meta().experiment() + "', not " + spec.experiment());
        }
        return new RunStart(ckpt, ckpt.meta().seed());
    }

    /** The run directory: the resumed run's, or a new {@code <ckpt_save_dir>/<yyyyMMdd_HHmmss>_<rand4>}. */
    public Path runDirectory(RunSpec spec) {
        return resume != null ? Path.of(resume.meta().saveDir()) : RunDirectory.create(spec.ckptSaveDir());
    }
}
