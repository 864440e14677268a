package org.symile.app.cli;

import org.symile.app.spec.BooleanFlag;
import picocli.CommandLine;

/** picocli's converter for upstream's boolean spellings ({@link BooleanFlag}). */
final class BooleanConverter implements CommandLine.ITypeConverter<Boolean> {
    @Override
    public Boolean convert(String value) {
        try {
            return BooleanFlag.parse("value", value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("expected a boolean (True/False, yes/no, 1/0), got '"
                    + value + "'");
        }
    }
}
