package org.symile.app.spec;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The three experiments of the paper, by upstream's {@code --experiment} value. */
public enum ExperimentKind {
    /** Synthetic binary XOR (paper §5.1): one model per p̂, tested inside {@code train}. */
    BINARY_XOR("binary_xor"),
    /** Symile-M3: audio, image and text (paper §5.2). */
    SYMILE_M3("symile_m3"),
    /** Symile-MIMIC: chest X-ray, ECG and labs (paper §5.3). */
    SYMILE_MIMIC("symile_mimic");

    private final String flag;

    ExperimentKind(String flag) {
        this.flag = flag;
    }

    /** The flag value ({@code binary_xor}, ...), also used in checkpoints and run_info.json. */
    public String flag() {
        return flag;
    }

    /**
     * Parses upstream's {@code --experiment} value.
     *
     * @throws IllegalArgumentException naming the flag and the accepted values
     */
    public static ExperimentKind fromFlag(String v) {
        for (ExperimentKind e : values()) {
            if (e.flag.equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("--experiment: expected one of "
                + Arrays.stream(values()).map(ExperimentKind::flag).collect(Collectors.joining(", ")) + ", got '" + v
                + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
