package org.symile.app.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress inside an epoch ({@code epoch 3/24  step 120/480  loss 4.1234  312 samples/s  ETA 1m20s}): on a
 * terminal one line on stderr rewritten in place at most four times a second and erased when the epoch ends; when
 * the output is not a terminal (CI logs, files) or several fits run at once (binary_xor's p̂ workers), a plain log
 * line every {@code symile.progress_seconds} seconds (default 60), so short epochs add nothing to the log.
 */
public final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    /** Fits in progress in this process: one updating line is readable, several are not. */
    private static final AtomicInteger ACTIVE = new AtomicInteger();
    private static final long REDRAW_NS = 250_000_000L;

    private final String label;
    private final int batches;
    private final boolean terminal;
    private final PrintStream screen;
    private final Consumer<String> log;
    private final LongSupplier clock;
    private final long plainIntervalNs;
    private final long start;
    private long last;
    private boolean drawn;
    private boolean ended;

    Progress(String label, int batches, boolean terminal, PrintStream screen, Consumer<String> log,
             LongSupplier clock, long plainIntervalNs) {
        this.label = label;
        this.batches = batches;
        this.terminal = terminal;
        this.screen = screen;
        this.log = log;
        this.clock = clock;
        this.plainIntervalNs = plainIntervalNs;
        this.start = clock.getAsLong();
        this.last = start;
        ACTIVE.incrementAndGet();
    }

    /** Progress of an epoch of {@code batches} steps, on this process's terminal or log. */
    public static Progress start(String label, int batches) {
        String term = System.getenv("TERM");
        boolean tty = System.console() != null && term != null && !term.equals("dumb");
        long seconds = Long.getLong("symile.progress_seconds", 60L);
        return new Progress(label, batches, tty, System.err, LOG::info, System::nanoTime,
                Math.max(1, seconds) * 1_000_000_000L);
    }

    /** After step {@code k} of the epoch. */
    public void step(int k, double loss, double samplesPerSecond) {
        long now = clock.getAsLong();
        if (terminal && ACTIVE.get() == 1) {
            if (now - last >= REDRAW_NS || k == batches) {
                screen.print("\r" + text(k, loss, samplesPerSecond, now) + "\033[K");
                screen.flush();
                drawn = true;
                last = now;
            }
        } else if (now - last >= plainIntervalNs && k < batches) {
            log.accept(text(k, loss, samplesPerSecond, now));
            last = now;
        }
    }

    /** Erases the updating line; idempotent. */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        ACTIVE.decrementAndGet();
        if (drawn) {
            screen.print("\r\033[K");
            screen.flush();
        }
    }

    private String text(int k, double loss, double samplesPerSecond, long now) {
        double elapsed = (now - start) / 1e9;
        double eta = k == 0 ? Double.NaN : elapsed / k * (batches - k);
        return String.format(Locale.ROOT, "%s  step %d/%d  loss %.4f  %s samples/s  ETA %s", label, k, batches, loss,
                String.format(Locale.ROOT, samplesPerSecond < 10 ? "%.2f" : "%,.0f", samplesPerSecond),
                Trainer.duration(eta));
    }
}
