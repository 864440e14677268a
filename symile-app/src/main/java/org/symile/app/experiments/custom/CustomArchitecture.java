package org.symile.app.experiments.custom;

import java.util.List;
import org.symile.data.custom.CustomLayout;

/**
 * What rebuilds a custom model besides the spec, learned from the data and recorded in checkpoints: each
 * modality's encoder input and the widths.
 *
 * @param d          the representations' width ({@code --d})
 * @param hiddenDims the MLP encoders' hidden widths ({@code --hidden_dims}; empty: linear encoders)
 * @param encoders   one per modality, in {@code --modalities} order
 */
public record CustomArchitecture(int d, List<Integer> hiddenDims, List<Encoder> encoders) {

    /**
     * One modality's encoder input.
     *
     * @param kind     features, categories or tokens
     * @param inputs   the encoder's input width: w for features; the vocabulary size (largest id + 1) for
     *                 categories and tokens, whose input is the row's normalised id counts (a mean-pooled
     *                 embedding lookup as a product with the first layer)
     * @param length   tokens: positions per row L; 1 otherwise
     * @param missing  whether the modality can be absent (a learned representation stands in for it)
     * @param mask     tokens: whether a mask file says which positions are real
     */
    public record Encoder(String name, CustomLayout.Kind kind, long inputs, long length, boolean missing,
                          boolean mask) {
    }

    public CustomArchitecture {
        hiddenDims = List.copyOf(hiddenDims);
        encoders = List.copyOf(encoders);
    }

    /** The architecture for modalities as found in the data. */
    static CustomArchitecture of(int d, List<Integer> hiddenDims, List<CustomLayout.Modality> found) {
        List<Encoder> enc = found.stream().map(m -> new Encoder(m.name(), m.kind(),
                m.kind() == CustomLayout.Kind.FEATURES ? m.width() : m.maxId() + 1,
                m.kind() == CustomLayout.Kind.TOKENS ? m.width() : 1, m.missing(), m.mask())).toList();
        return new CustomArchitecture(d, hiddenDims, enc);
    }

    /** The modalities' names, in order. */
    public List<String> names() {
        return encoders.stream().map(Encoder::name).toList();
    }

    /** The encoder of modality {@code name}. */
    Encoder encoder(String name) {
        return encoders.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("modality '" + name + "': this model has " + names()));
    }

    /**
     * Checks that data found for another split or a later run fits this architecture.
     *
     * @throws IllegalArgumentException naming the modality and what differs
     */
    void checkFits(List<CustomLayout.Modality> found, String where) {
        for (int i = 0; i < encoders.size(); i++) {
            Encoder e = encoders.get(i);
            CustomLayout.Modality m = found.get(i);
            boolean ok = e.kind() == m.kind() && (m.kind() == CustomLayout.Kind.FEATURES ? e.inputs() == m.width()
                    : m.maxId() < e.inputs());
            if (!ok) {
                throw new IllegalArgumentException(where + ": modality '" + e.name() + "' holds " + describe(m)
                        + ", but the model was built for " + describe(e));
            }
        }
    }

    private static String describe(CustomLayout.Modality m) {
        return switch (m.kind()) {
            case FEATURES -> "features of width " + m.width();
            case CATEGORIES, TOKENS -> m.kind().name().toLowerCase() + " with ids up to " + m.maxId();
        };
    }

    private static String describe(Encoder e) {
        return switch (e.kind()) {
            case FEATURES -> "features of width " + e.inputs();
            case CATEGORIES, TOKENS -> e.kind().name().toLowerCase() + " with ids below " + e.inputs();
        };
    }
}
