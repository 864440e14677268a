package org.symile.app.experiments.m3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.symile.data.m3.M3Layout;
import org.symile.data.m3.M3Split;

/**
 * Checks that Symile-M3 data fits a model's architecture and the flags that describe it, each failure naming the
 * file: upstream's metadata file ({@code --metadata_filename}) against the feature widths, the rows' languages
 * against {@code --num_langs}, and each split's widths and text length against the architecture.
 */
final class M3DataChecks {
    private final Path dataDir;
    private final M3Architecture architecture;

    M3DataChecks(Path dataDir, M3Architecture architecture) {
        this.dataDir = dataDir;
        this.architecture = architecture;
    }

    /**
     * Upstream reads the encoder widths from {@code <data_dir>/<metadata_filename>}; here they come from the
     * tensors, and the file, when present, must agree. An explicitly named file must exist.
     *
     * @param name {@code --metadata_filename}, or null for {@code metadata.json} if present
     */
    void metadata(String name) {
        Path file = dataDir.resolve(name == null ? "metadata.json" : name);
        if (!Files.isRegularFile(file)) {
            if (name != null) {
                throw new IllegalArgumentException("--metadata_filename: no such file " + file);
            }
            return;
        }
        JsonNode md;
        try {
            md = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage().lines().findFirst()
                    .orElse("") + ")");
        }
        width(file, md, "audio_enc_hidden_sz", architecture.audioDim(), "audio features");
        width(file, md, "image_enc_hidden_sz", architecture.imageDim(), "image features");
        if (architecture.textModelDir() != null) {
            width(file, md, "text_enc_hidden_sz", architecture.text().hidden(), "text model's hidden states");
        }
    }

    private static void width(Path file, JsonNode md, String key, long actual, String what) {
        JsonNode v = md.get(key);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.canConvertToLong()) {
            throw new IllegalArgumentException(file + ": " + key + " must be an integer, got " + v);
        }
        if (v.asLong() > 0 && v.asLong() != actual) {
            throw new IllegalArgumentException(file + ": " + key + " is " + v.asLong() + ", but the " + what
                    + " have width " + actual);
        }
    }

    /**
     * A split has the architecture's feature widths, text no longer than its position table, and, with
     * {@code --num_langs}, only languages of upstream's list for that many.
     */
    void split(M3Split split, Integer numLangs) {
        if (split.audioDim() != architecture.audioDim() || split.imageDim() != architecture.imageDim()) {
            throw new IllegalArgumentException(split.dir() + ": audio and image features of width "
                    + split.audioDim() + " and " + split.imageDim() + ", but the model was built for "
                    + architecture.audioDim() + " and " + architecture.imageDim());
        }
        // XLM-R numbers real tokens from padding_idx + 1 = 2 (spec §5.5)
        long offset = architecture.text().xlmRoberta() ? 2 : 0;
        if (split.textLength() + offset > architecture.text().maxPositions()) {
            throw new IllegalArgumentException(split.dir() + ": " + M3Layout.TEXT_IDS + " has " + split.textLength()
                    + " tokens per row, more than the model's " + (architecture.text().maxPositions() - offset)
                    + " positions");
        }
        if (numLangs != null) {
            List<String> allowed = M3Layout.languages(numLangs);
            List<String> langs = split.languages();
            for (int r = 0; r < langs.size(); r++) {
                if (!allowed.contains(langs.get(r))) {
                    throw new IllegalArgumentException(split.dir().resolve(M3Layout.LANG + "_" + split.name()
                            + ".txt") + ": row " + r + " has language '" + langs.get(r) + "', not one of " + allowed
                            + " (--num_langs " + numLangs + ")");
                }
            }
        }
    }
}
