package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SameDiffConsoleTest {

    /** Exactly SameDiff's per-op lines go; everything else, partial lines and look-alikes included, passes. */
    @Test
    void dropsOnlySameDiffsPerOpLines() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new SameDiffConsole.LineFilter(sink), true, StandardCharsets.UTF_8);
        out.println("epoch 1/2 train_loss 3.2");
        out.println("Added differentiated op matmul_2");
        out.println("Added differentiated op reduce_mean");
        out.println("Added 3 rows");
        out.println("Added differentiated op");
        out.print("ETA 5s");
        out.flush();
        out.print(" — ünïcode\n");
        assertEquals("epoch 1/2 train_loss 3.2\nAdded 3 rows\nAdded differentiated op\nETA 5s — ünïcode\n",
                sink.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
}
