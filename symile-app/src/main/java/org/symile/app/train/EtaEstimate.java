package org.symile.app.train;

/**
 * Seconds per epoch for the ETA of one fit. The first epoch of a fit also builds the graph and warms up the JIT
 * (binary_xor's training steps, one p̂: 2.13 s in the first epoch against 0.27 and 0.22 s in the next two), so
 * extrapolating from it alone made a 5-minute sweep's first ETA read "1h06m": it is left out while later epochs
 * exist, and the ETA is unknown ("-") until a second epoch was timed.
 * Later epochs are smoothed exponentially (weight 0.2 on the newest).
 */
final class EtaEstimate {
    private int timed;
    private double secondsPerEpoch = Double.NaN;

    /** Records one epoch's wall time (training and validation). */
    void record(double seconds) {
        timed++;
        if (timed == 2) {
            secondsPerEpoch = seconds;
        } else if (timed > 2) {
            secondsPerEpoch = 0.8 * secondsPerEpoch + 0.2 * seconds;
        }
    }

    /** Seconds left for {@code remainingEpochs} more epochs; NaN while only the first epoch was timed. */
    double secondsLeft(long remainingEpochs) {
        if (remainingEpochs <= 0) {
            return 0;
        }
        return timed < 2 ? Double.NaN : remainingEpochs * secondsPerEpoch;
    }
}
