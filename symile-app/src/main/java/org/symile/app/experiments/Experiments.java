package org.symile.app.experiments;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.experiments.custom.CustomExperiment;
import org.symile.app.experiments.m3.M3Experiment;
import org.symile.app.experiments.mimic.MimicExperiment;
import org.symile.app.experiments.xor.XorSweep;
import org.symile.app.run.ExperimentFactory;
import org.symile.app.run.ExperimentRunner;
import org.symile.app.run.LoopFactory;
import org.symile.app.run.RunOutcome;
import org.symile.app.runtime.Backend;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.TestSpec;

/** The entry points {@code train} and {@code test} use: which experiment a spec names, run by the runner. */
public final class Experiments {
    private static final Logger LOG = LoggerFactory.getLogger(Experiments.class);

    private Experiments() {
    }

    /**
     * Trains (and for binary_xor tests) the run a spec describes, in this process.
     *
     * @throws IllegalArgumentException for {@code --spark_master}: use {@link #train(RunSpec, LoopFactory)} with the
     *                                  Spark loop
     */
    public static RunOutcome train(RunSpec spec) {
        return train(spec, null);
    }

    /**
     * Trains (and for binary_xor tests) the run a spec describes.
     *
     * @param cluster starts the loop that trains a run given {@code --spark_master} (the CLI and sweeps pass
     *                {@code SparkTraining::start}); runs without it train in this process
     * @throws IllegalArgumentException for {@code --spark_master} without a cluster loop
     */
    public static RunOutcome train(RunSpec spec, LoopFactory cluster) {
        if (spec.spark() != null && cluster == null) {
            throw new IllegalArgumentException("--spark_master " + spec.spark().master() + ": this entry point trains"
                    + " in this process only; pass the Spark loop (Experiments.train(spec, SparkTraining::start))");
        }
        Backend.logStartup();
        if (spec.wandb()) {
            LOG.warn("--wandb True: Weights & Biases logging is not available in this port; use --ui True for DL4J's"
                    + " training UI; every run also writes metrics.csv and curves.png to its directory");
        }
        return switch (spec.experiment()) {
            case BINARY_XOR -> XorSweep.run(spec);
            case SYMILE_M3, SYMILE_MIMIC, CUSTOM -> ExperimentRunner.train(spec, factory(spec.experiment()),
                    spec.spark() == null ? LoopFactory.IN_PROCESS : cluster);
        };
    }

    /**
     * Upstream's test.py for a symile_m3, symile_mimic or custom checkpoint (the first two written by this project or
     * by upstream).
     */
    public static ExperimentRunner.TestOutcome test(TestSpec spec) {
        Backend.logStartup();
        return ExperimentRunner.test(spec, ModelFiles.read(spec.ckptPath()), factory(spec.experiment()));
    }

    /** How the runner opens an experiment's data (binary_xor's is generated per p̂ by {@link XorSweep}). */
    public static ExperimentFactory factory(ExperimentKind kind) {
        return switch (kind) {
            case SYMILE_M3 -> M3Experiment::open;
            case SYMILE_MIMIC -> MimicExperiment::open;
            case CUSTOM -> CustomExperiment::open;
            case BINARY_XOR -> throw new IllegalArgumentException("binary_xor is trained per p_hat by XorSweep");
        };
    }
}
