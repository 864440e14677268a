package org.symile.app.config;

import java.util.Locale;
import picocli.CommandLine;

/**
 * Upstream's boolean flags ({@code --use_seed True}): yes/true/t/y/1 and no/false/f/n/0, case-insensitive;
 * anything else is rejected.
 */
public final class BooleanFlag implements CommandLine.ITypeConverter<Boolean> {
    @Override
    public Boolean convert(String value) {
        return parse(value);
    }

    public static boolean parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "yes", "true", "t", "y", "1" -> true;
            case "no", "false", "f", "n", "0" -> false;
            default -> throw new CommandLine.TypeConversionException(
                    "expected a boolean (True/False, yes/no, 1/0), got '" + value + "'");
        };
    }
}
