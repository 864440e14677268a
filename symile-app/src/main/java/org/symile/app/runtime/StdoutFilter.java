package org.symile.app.runtime;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Drops the "Added differentiated op ..." lines that SameDiff 1.0.0-M2.1 prints with {@code System.out.println}
 * every time it builds a gradient graph (no logger controls them), so the app's own stdout (tables, JSON) stays
 * readable. Every other line passes through unchanged.
 */
public final class StdoutFilter extends OutputStream {
    private static final String NOISE = "Added differentiated op ";

    private final OutputStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private StdoutFilter(OutputStream target) {
        this.target = target;
    }

    /** Replaces {@code System.out} with a filtered stream and returns the original. */
    public static PrintStream install() {
        PrintStream original = System.out;
        System.setOut(new PrintStream(new StdoutFilter(original), true, StandardCharsets.UTF_8));
        return original;
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
            emit();
        }
    }

    @Override
    public synchronized void flush() throws java.io.IOException {
        if (line.size() > 0 && !line.toString(StandardCharsets.UTF_8).startsWith(NOISE)) {
            emit();
        }
        target.flush();
    }

    private void emit() {
        String s = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (!s.startsWith(NOISE)) {
            try {
                target.write(s.getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
