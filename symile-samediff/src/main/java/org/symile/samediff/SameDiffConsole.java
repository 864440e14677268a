package org.symile.samediff;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SameDiff M2.1 prints {@code Added differentiated op <name>} to {@code System.out} for every op of every gradient
 * function it builds ({@code SameDiff.createGradFunction}: an unconditional {@code System.out.println}, no logger to
 * configure), hundreds of lines per model and 66% of this project's test log. {@link #withoutGradientChatter}
 * gives a stream that drops exactly those lines and passes every other byte through unchanged; applications (the
 * {@code symile} command) and test set-ups install it as {@code System.out}, the library never touches it.
 */
public final class SameDiffConsole {
    private static final byte[] PREFIX = "Added differentiated op ".getBytes(StandardCharsets.US_ASCII);

    private SameDiffConsole() {
    }

    /**
     * A stream in front of {@code target} that drops SameDiff's per-op lines; {@code target} itself if it already
     * is one. The caller installs it ({@code System.setOut(SameDiffConsole.withoutGradientChatter(System.out))}).
     */
    public static PrintStream withoutGradientChatter(PrintStream target) {
        return target instanceof Filtered ? target : new Filtered(target);
    }

    private static final class Filtered extends PrintStream {
        Filtered(PrintStream target) {
            super(new LineFilter(target), true, StandardCharsets.UTF_8);
        }
    }

    /**
     * Buffers each line and forwards it whole unless it is SameDiff's; a flushed partial line goes on unless it
     * could still become one.
     */
    static final class LineFilter extends OutputStream {
        private final OutputStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(OutputStream target) {
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                byte[] sofar = line.toByteArray();
                if (!(sofar.length > PREFIX.length && startsWithPrefix(sofar, PREFIX.length))) {
                    forward();
                }
                line.reset();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public synchronized void flush() {
            byte[] sofar = line.toByteArray();
            if (!startsWithPrefix(sofar, Math.min(sofar.length, PREFIX.length))) {
                forward();
            }
            try {
                target.flush();
            } catch (java.io.IOException e) {
                // the console is gone; nothing to report it to
            }
        }

        private static boolean startsWithPrefix(byte[] sofar, int n) {
            return Arrays.equals(sofar, 0, n, PREFIX, 0, n);
        }

        private void forward() {
            try {
                line.writeTo(target);
            } catch (java.io.IOException e) {
                // as in flush
            }
            line.reset();
        }
    }
}
