package org.symile.app.experiments.m3;

import java.util.Arrays;
import org.symile.samediff.nn.TextEncoder;

/**
 * What rebuilds a Symile-M3 model besides the spec, learned from the training data and recorded in checkpoints:
 * the feature widths, whether the model has missingness embeddings, the compacted vocabulary and the text
 * encoder's configuration (with the Hugging Face directory it was initialised from, if any).
 *
 * @param vocabRawIds the token ids that occur in train and val, in compact order ({@link TokenVocabulary})
 */
public record M3Architecture(long audioDim, long imageDim, long d, boolean missingness, long[] vocabRawIds,
                             TextEncoder.Config text, String textModelDir) {

    public M3Architecture {
        vocabRawIds = vocabRawIds.clone();
    }

    /** The compacted vocabulary. */
    public TokenVocabulary vocabulary() {
        return new TokenVocabulary(vocabRawIds);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof M3Architecture a && audioDim == a.audioDim && imageDim == a.imageDim && d == a.d
                && missingness == a.missingness && Arrays.equals(vocabRawIds, a.vocabRawIds) && text.equals(a.text)
                && java.util.Objects.equals(textModelDir, a.textModelDir);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(audioDim, imageDim, d, missingness, Arrays.hashCode(vocabRawIds), text,
                textModelDir);
    }
}
