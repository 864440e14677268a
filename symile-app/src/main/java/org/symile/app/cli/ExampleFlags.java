package org.symile.app.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The flags the {@code example} commands share (upstream's names and the examples' defaults). */
final class ExampleFlags {
    @Option(names = "--loss_fn", defaultValue = "symile", description = "symile, clip, gram or triangle"
            + " (triangle: three modalities only; gram and triangle with label smoothing 0.1) (default: symile).")
    String lossFn;
    @Option(names = "--d", defaultValue = "16", description = "Representation width (default: 16).")
    int d;
    @Option(names = "--lr", defaultValue = "0.1", description = "AdamW learning rate (default: 0.1).")
    double lr;
    @Option(names = "--weight_decay", defaultValue = "0.01", description = "AdamW weight decay (default: 0.01).")
    double weightDecay;
    @Option(names = "--batch_sz", defaultValue = "1000", description = "Default: 1000.")
    int batchSz;
    @Option(names = "--train_n", defaultValue = "10000", description = "Default: 10000.")
    int trainN;
    @Option(names = "--val_n", defaultValue = "1000", description = "Default: 1000.")
    int valN;
    @Option(names = "--logit_scale_init", defaultValue = "-0.3", description = "Default: -0.3.")
    double logitScaleInit;
    @Option(names = "--seed", defaultValue = "0", description = "Seeds the data, initialisation, negatives and"
            + " shuffling (default: 0).")
    long seed;
    @Option(names = "--save_dir", paramLabel = "DIR", description = "Also write results.json into a new run"
            + " directory here.")
    Path saveDir;
}
