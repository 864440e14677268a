package org.symile.app.sweep;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SweepReportsTest {

    /** Values a hundredfold apart (learning rates) get a log axis; linear ranges and category indices do not. */
    @Test
    void learningRatesGoOnALogAxis() {
        assertTrue(SweepReports.spansDecades(List.of(1e-5, 1e-4, 1e-3)));
        assertFalse(SweepReports.spansDecades(List.of(0.1, 0.2, 0.5)));
        assertFalse(SweepReports.spansDecades(List.of(0.0, 1.0, 2.0)), "category indices");
    }
}
