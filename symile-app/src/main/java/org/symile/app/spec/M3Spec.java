package org.symile.app.spec;

import java.nio.file.Path;
import java.util.List;
import org.symile.data.m3.M3Layout;

/**
 * symile_m3 settings (upstream §2.1, §5).
 *
 * <ul>
 *   <li>{@code --train_csv}, {@code --val_csv}, {@code --test_csv}, {@code --translations_path},
 *       {@code --audio_model_id}, {@code --image_model_id} and {@code --text_embedding}: recorded only, as upstream
 *       never reads them in training (the features are precomputed);</li>
 *   <li>{@code --num_langs}: 2, 5 or 10; when given, every row's language must be in upstream's list for that
 *       many languages;</li>
 *   <li>{@code --missingness}, {@code --missingness_prob}: train with the indicator files of that probability;</li>
 *   <li>{@code --metadata_filename}: upstream's encoder-width file in {@code --data_dir}; null looks for
 *       {@code metadata.json} and uses it when present;</li>
 *   <li>{@code --text_model_id}: a Hugging Face model whose embeddings and first layer initialise the text encoder;
 *       without it the encoder is built from {@code --text_hidden}, {@code --text_heads},
 *       {@code --text_intermediate} (defaults 64, 4, 4 × hidden), which are null with a model id;</li>
 *   <li>{@code --text_dropout}: Hugging Face's dropout in the text encoder while training (upstream's models use
 *       0.1; 0, the default here, keeps runs deterministic functions of the data).</li>
 * </ul>
 */
public record M3Spec(int d, String trainCsv, String valCsv, String testCsv, Path translationsPath, Integer numLangs,
                     boolean missingness, Double missingnessProb, String audioModelId, String imageModelId,
                     String textModelId, TextEmbedding textEmbedding, String metadataFilename, Integer textHidden,
                     Integer textHeads, Integer textIntermediate, double textDropout) implements ExperimentSpec {

    /** Text-encoder sizes without a Hugging Face model. */
    public static final int DEFAULT_TEXT_HIDDEN = 64;
    public static final int DEFAULT_TEXT_HEADS = 4;

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public M3Spec {
        TrainerSpec.positive("--d", d);
        if (!(textDropout >= 0 && textDropout < 1)) {
            throw new IllegalArgumentException("--text_dropout: expected a probability in [0, 1), got " + textDropout);
        }
        if (numLangs != null && !List.of(2, 5, 10).contains(numLangs)) {
            throw new IllegalArgumentException("--num_langs: expected 2, 5 or 10, got " + numLangs);
        }
        if (missingness && missingnessProb == null) {
            throw new IllegalArgumentException("--missingness_prob: required with --missingness True (one of "
                    + M3Layout.MISSINGNESS_PROBS + ")");
        }
        if (missingnessProb != null && !M3Layout.MISSINGNESS_PROBS.contains(missingnessProb)) {
            throw new IllegalArgumentException("--missingness_prob: expected one of " + M3Layout.MISSINGNESS_PROBS
                    + ", got " + missingnessProb);
        }
        if (textEmbedding == null) {
            throw new IllegalArgumentException("--text_embedding: expected eos or bos");
        }
        if (metadataFilename != null && metadataFilename.isBlank()) {
            throw new IllegalArgumentException("--metadata_filename: expected a file name, got an empty value");
        }
        if (textModelId != null) {
            for (var e : new Object[][] {{"--text_hidden", textHidden}, {"--text_heads", textHeads},
                    {"--text_intermediate", textIntermediate}}) {
                if (e[1] != null) {
                    throw new IllegalArgumentException(e[0] + ": sizes come from --text_model_id " + textModelId
                            + "'s config; give one or the other");
                }
            }
        } else {
            if (textHidden == null || textHeads == null || textIntermediate == null) {
                throw new IllegalArgumentException("--text_hidden, --text_heads, --text_intermediate: required"
                        + " without --text_model_id");
            }
            TrainerSpec.positive("--text_hidden", textHidden);
            TrainerSpec.positive("--text_heads", textHeads);
            TrainerSpec.positive("--text_intermediate", textIntermediate);
            if (textHidden % textHeads != 0) {
                throw new IllegalArgumentException("--text_heads " + textHeads + ": must divide --text_hidden "
                        + textHidden);
            }
        }
    }

    /** The missingness probability whose indicator files training reads, or null without missingness. */
    public Double trainingMissingness() {
        return missingness ? missingnessProb : null;
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.SYMILE_M3;
    }
}
