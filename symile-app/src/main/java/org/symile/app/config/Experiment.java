package org.symile.app.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The three experiments of the paper, by upstream's {@code --experiment} value. */
public enum Experiment {
    BINARY_XOR("binary_xor"),
    SYMILE_M3("symile_m3"),
    SYMILE_MIMIC("symile_mimic");

    private final String flag;

    Experiment(String flag) {
        this.flag = flag;
    }

    public String flag() {
        return flag;
    }

    public static Experiment fromFlag(String v) {
        for (Experiment e : values()) {
            if (e.flag.equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("--experiment: expected one of "
                + Arrays.stream(values()).map(Experiment::flag).collect(Collectors.joining(", ")) + ", got '" + v + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
