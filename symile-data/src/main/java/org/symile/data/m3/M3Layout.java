package org.symile.data.m3;

import java.util.List;
import java.util.Locale;

/**
 * File names and constants of the Symile-M3 split tensors (spec §5.3, §8), shared by the reader and the
 * synthetic generator.
 */
public final class M3Layout {
    public static final String AUDIO = "audio";
    public static final String IMAGE = "image";
    public static final String TEXT_IDS = "text_input_ids";
    public static final String TEXT_MASK = "text_attention_mask";
    public static final String CLS_ID = "cls_id";
    public static final String IDX = "idx";
    public static final String LANG = "lang";

    /** Language lists whose order defines lang_id (LANGUAGES_2 has "en" first). */
    public static final List<String> LANGUAGES_2 = List.of("en", "el");
    public static final List<String> LANGUAGES_5 = List.of("el", "en", "hi", "ja", "uk");
    public static final List<String> LANGUAGES_10 = List.of("ar", "el", "en", "hi", "ja", "ko", "te", "th", "uk",
            "zh-CN");

    /** Missingness probabilities upstream's loader accepts. */
    public static final List<Double> MISSINGNESS_PROBS = List.of(0.5, 0.6, 0.65, 0.7, 0.75);

    private M3Layout() {
    }

    /** {@code <modality>_missingness_prob<PP>} for p = 0.5 -> {@code prob50}, 0.65 -> {@code prob65}. */
    public static String missingnessName(String modality, double p) {
        if (!MISSINGNESS_PROBS.contains(p)) {
            throw new IllegalArgumentException("--missingness_prob: expected one of " + MISSINGNESS_PROBS + ", got " + p);
        }
        return modality + "_missingness_prob" + String.format(Locale.ROOT, "%02d", Math.round(p * 100));
    }

    /** The language list for 2, 5 or 10 languages. */
    public static List<String> languages(int numLangs) {
        return switch (numLangs) {
            case 2 -> LANGUAGES_2;
            case 5 -> LANGUAGES_5;
            case 10 -> LANGUAGES_10;
            default -> throw new IllegalArgumentException("--num_langs: expected 2, 5 or 10, got " + numLangs);
        };
    }
}
