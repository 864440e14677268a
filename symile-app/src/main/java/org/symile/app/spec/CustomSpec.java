package org.symile.app.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code --experiment custom} settings: the modalities read from {@code --data_dir} ({@code --modalities}, in the
 * loss's order), the one retrieved in evaluation ({@code --target_modality}, default the last listed), the
 * encoders' hidden widths ({@code --hidden_dims}: an MLP with ReLU between layers; empty: a linear encoder) and
 * the projection width {@code --d}.
 */
public record CustomSpec(int d, List<String> modalities, String targetModality, List<Integer> hiddenDims)
        implements ExperimentSpec {

    /** {@code --hidden_dims}' default: one hidden layer of 512. */
    public static final List<Integer> DEFAULT_HIDDEN_DIMS = List.of(512);
    /** A modality name: what a file name {@code NAME_<split>.npy} can hold unambiguously. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public CustomSpec {
        TrainerSpec.positive("--d", d);
        if (modalities == null || modalities.size() < 2) {
            throw new IllegalArgumentException("--modalities: expected at least 2 names separated by commas, got "
                    + (modalities == null ? "none" : String.join(",", modalities)));
        }
        Set<String> seen = new HashSet<>();
        for (String m : modalities) {
            if (m == null || !NAME.matcher(m).matches()) {
                throw new IllegalArgumentException("--modalities: '" + m + "' is not a usable name (letters, digits,"
                        + " '.' and '-'; no '_', which separates a name from its split and suffixes)");
            }
            if (!seen.add(m)) {
                throw new IllegalArgumentException("--modalities: '" + m + "' is listed twice");
            }
        }
        modalities = List.copyOf(modalities);
        targetModality = targetModality == null ? modalities.get(modalities.size() - 1) : targetModality;
        if (!modalities.contains(targetModality)) {
            throw new IllegalArgumentException("--target_modality: '" + targetModality + "' is not among --modalities "
                    + String.join(",", modalities));
        }
        hiddenDims = hiddenDims == null ? DEFAULT_HIDDEN_DIMS : List.copyOf(hiddenDims);
        for (Integer w : hiddenDims) {
            if (w == null || w < 1) {
                throw new IllegalArgumentException("--hidden_dims: expected positive widths or none, got "
                        + hiddenDims);
            }
        }
    }

    /** The target's index in {@link #modalities()}. */
    public int targetIndex() {
        return modalities.indexOf(targetModality);
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.CUSTOM;
    }
}
