package org.symile.app.run;

/** The parts of an experiment's data the runner asks for. */
public enum Split {
    /** Training rows (shuffled batches). */
    TRAIN,
    /** Validation: the loss batches, and the retrieval set that gives {@code val_acc}. */
    VAL,
    /** Test: the retrieval set that gives {@code test_acc}. */
    TEST
}
