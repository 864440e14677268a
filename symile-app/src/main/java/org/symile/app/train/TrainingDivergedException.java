package org.symile.app.train;

/** The loss became NaN or infinite; the message says where and what to try. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
