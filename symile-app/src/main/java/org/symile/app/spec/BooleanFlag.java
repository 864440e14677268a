package org.symile.app.spec;

import java.util.Locale;

/**
 * Upstream's boolean flags ({@code --use_seed True}): yes/true/t/y/1 and no/false/f/n/0, case-insensitive;
 * anything else is rejected.
 */
public final class BooleanFlag {
    private BooleanFlag() {
    }

    /**
     * @param flag  the flag, for the message ({@code --use_seed})
     * @throws IllegalArgumentException naming the flag when {@code value} is not a boolean spelling
     */
    public static boolean parse(String flag, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "yes", "true", "t", "y", "1" -> true;
            case "no", "false", "f", "n", "0" -> false;
            default -> throw new IllegalArgumentException(flag + ": expected a boolean (True/False, yes/no, 1/0), got '"
                    + value + "'");
        };
    }

    /** Upstream's spelling of a boolean on a command line: {@code True} or {@code False}. */
    public static String format(boolean b) {
        return b ? "True" : "False";
    }
}
