package org.symile.app.spec;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The three experiments of the paper, by upstream's {@code --experiment} value, and {@code custom}: any M
 * modalities of split tensors (an extension), whose modality names come from {@code --modalities}.
 */
public enum ExperimentKind {
    /** Synthetic binary XOR (paper §5.1): one model per p̂, tested inside {@code train}. */
    BINARY_XOR("binary_xor", List.of("a", "b", "c")),
    /** Symile-M3: audio, image and text (paper §5.2). */
    SYMILE_M3("symile_m3", List.of("audio", "image", "text")),
    /** Symile-MIMIC: chest X-ray, ECG and labs (paper §5.3). */
    SYMILE_MIMIC("symile_mimic", List.of("cxr", "ecg", "labs")),
    /** A user's own modalities ({@code --modalities}); see {@link CustomSpec}. */
    CUSTOM("custom", List.of());

    private final String flag;
    private final List<String> modalities;

    ExperimentKind(String flag, List<String> modalities) {
        this.flag = flag;
        this.modalities = modalities;
    }

    /**
     * The modalities' names in the models' order (the names {@code --anchors} takes); empty for {@link #CUSTOM},
     * whose names a run's {@link RunSpec#modalities()} gives.
     */
    public List<String> modalities() {
        return modalities;
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
