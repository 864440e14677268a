package org.symile.app.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.train.Trainer;

class MetricsLogTest {

    private static Trainer.EpochStats epoch(int e, double val) {
        return new Trainer.EpochStats(e, 3.0, val, Map.of("val_acc", 0.25), 1.5, 100, 1);
    }

    @Test
    void rowsPerStepAndValidationAndPlots(@TempDir Path dir) throws IOException {
        try (MetricsLog log = MetricsLog.open(dir, 0, 0)) {
            for (int s = 1; s <= 4; s++) {
                log.step(new Trainer.StepStats(1 + (s - 1) / 2, s, 1 + (s - 1) % 2, 2, 16, 4.0 - s / 4.0, 1.5, 0.1,
                        250.0));
                if (s % 2 == 0) {
                    log.validation(epoch(s / 2, 3.5), s, 0.1);
                }
            }
            log.plot(dir, "test");
        }
        List<String> rows = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(MetricsLog.HEADER, rows.get(0));
        assertEquals("train,1,1,3.75,,,1.5,2.772588722239781,0.1,250.0", rows.get(1));
        assertEquals("val,1,2,3.0,3.5,0.25,1.5,,0.1,", rows.get(3));
        assertEquals(7, rows.size());
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
        assertTrue(Files.size(dir.resolve("val_acc.png")) > 1000);
    }

    /** A resume keeps the rows up to its checkpoint (step and epoch) and drops later or damaged ones. */
    @Test
    void resumingDropsRowsPastTheCheckpoint(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.csv"), MetricsLog.HEADER + "\n"
                + "train,1,1,3.75,,,1.5,2.7,0.1,250.0\n"
                + "train,1,2,3.5,,,1.5,2.7,0.1,250.0\n"
                + "val,1,2,3.0,3.5,0.25,1.5,,0.1,\n"
                + "train,2,3,3.25,,,1.5,2.7,0.1,250.0\n"
                + "val,2,4,3.0,3.4,0.25,1.5,,0.1,\n"
                + "train,2,4,3.2");
        try (MetricsLog log = MetricsLog.open(dir, 2, 1)) {
            log.step(new Trainer.StepStats(2, 3, 1, 2, 16, 3.0, 1.5, 0.1, 300.0));
        }
        assertEquals(List.of(MetricsLog.HEADER, "train,1,1,3.75,,,1.5,2.7,0.1,250.0",
                "train,1,2,3.5,,,1.5,2.7,0.1,250.0", "val,1,2,3.0,3.5,0.25,1.5,,0.1,",
                "train,2,3,3.0,,,1.5,2.772588722239781,0.1,300.0"),
                Files.readAllLines(dir.resolve("metrics.csv")));
        try (MetricsLog fresh = MetricsLog.open(dir, 0, 0)) {
            fresh.flush();
        }
        assertEquals(List.of(MetricsLog.HEADER), Files.readAllLines(dir.resolve("metrics.csv")));
    }
}
