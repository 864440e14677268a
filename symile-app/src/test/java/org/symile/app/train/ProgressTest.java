package org.symile.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private long now;

    @Test
    void terminalRedrawsOneLineAndErasesIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream screen = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        List<String> log = new ArrayList<>();
        Progress p = new Progress("epoch 2/5", 10, true, screen, log::add, () -> now, 60_000_000_000L);
        for (int k = 1; k <= 10; k++) {
            now += 100_000_000L; // 0.1 s per step: redrawn every third step, and at the last
            p.step(k, 4.5, 640);
        }
        p.end();
        p.end();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(4, s.split("\r", -1).length - 2, s); // steps 3, 6, 9, 10, then the erase
        assertTrue(s.contains("epoch 2/5  step 6/10  loss 4.5000  640 samples/s  ETA 0s"), s);
        assertTrue(s.contains("step 10/10"), s);
        assertTrue(s.endsWith("\r\u001b[K"), s);
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test
    void plainOutputLogsAtMostOneLinePerInterval() {
        PrintStream screen = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<String> log = new ArrayList<>();
        Progress p = new Progress("[p_hat 0.3] epoch 1/200", 100, false, screen, log::add, () -> now,
                10_000_000_000L);
        for (int k = 1; k <= 100; k++) {
            now += 1_000_000_000L; // 1 s per step, a line every 10 s, none at the epoch's last step
            p.step(k, 2.0, 3.5);
        }
        p.end();
        assertEquals(9, log.size(), log.toString());
        assertEquals("[p_hat 0.3] epoch 1/200  step 10/100  loss 2.0000  3.50 samples/s  ETA 1m30s", log.get(0));
    }

    @Test
    void twoFitsAtOnceFallBackToPlainLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream screen = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        List<String> log = new ArrayList<>();
        Progress a = new Progress("a", 10, true, screen, log::add, () -> now, 1_000_000_000L);
        Progress b = new Progress("b", 10, true, screen, log::add, () -> now, 1_000_000_000L);
        now += 2_000_000_000L;
        a.step(1, 1, 1);
        a.end();
        b.end();
        assertEquals(0, bytes.size());
        assertEquals(1, log.size());
    }
}
