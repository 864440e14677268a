package org.symile.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EtaEstimateTest {

    /** A slow first (warm-up) epoch does not set the estimate: 1.5 s then 0.05 s epochs give 0.05 s, not 0.34 s. */
    @Test
    void theWarmUpEpochIsLeftOut() {
        EtaEstimate e = new EtaEstimate();
        e.record(1.5);
        assertTrue(Double.isNaN(e.secondsLeft(100)), "unknown after the first epoch");
        assertEquals(0, e.secondsLeft(0), 0.0);
        e.record(0.05);
        assertEquals(5.0, e.secondsLeft(100), 1e-9);
        e.record(0.10);
        assertEquals(100 * (0.8 * 0.05 + 0.2 * 0.10), e.secondsLeft(100), 1e-9);
        assertEquals("-", Trainer.duration(Double.NaN));
    }
}
