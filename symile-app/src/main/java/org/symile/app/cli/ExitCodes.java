package org.symile.app.cli;

/**
 * The exit statuses of every {@code symile} command: 0 success, {@link #FAILURE} for a failure while running or a
 * check that did not pass, {@link #USAGE} for bad input (unknown or invalid flags, unreadable or malformed files).
 */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** A failure while running, or a check that did not pass (selfcheck, inspect's row counts, a sweep without a result). */
    public static final int FAILURE = 1;
    /** Bad input: unknown or invalid flags, unreadable or malformed files. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
