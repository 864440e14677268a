package org.symile.app.experiments.m3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.samediff.nn.TextEncoder;

/**
 * A Hugging Face text model for {@code --text_model_id} from local files, never the network: a directory with
 * config.json plus model.safetensors or pytorch_model.bin, given as a path or found in the standard cache
 * ({@code ~/.cache/huggingface/hub/models--<org>--<name>/snapshots/<rev>/}); its sizes, and its embeddings and
 * first layer copied into the text encoder.
 */
final class HuggingFaceText {

    private HuggingFaceText() {
    }

    /**
     * The local directory of Hugging Face model {@code id}: the path itself if it is a directory with
     * config.json, else the newest snapshot in the HF cache.
     *
     * @throws IllegalArgumentException saying where it looked
     */
    static Path directory(String id) {
        Path direct = Path.of(id);
        if (Files.isRegularFile(direct.resolve("config.json"))) {
            return direct;
        }
        String home = System.getenv().getOrDefault("HF_HOME", Path.of(System.getProperty("user.home"), ".cache",
                "huggingface").toString());
        Path snapshots = Path.of(home, "hub", "models--" + id.replace("/", "--"), "snapshots");
        if (Files.isDirectory(snapshots)) {
            try (Stream<Path> s = Files.list(snapshots)) {
                List<Path> dirs = new ArrayList<>(s.filter(p -> Files.isRegularFile(p.resolve("config.json")))
                        .toList());
                dirs.sort((a, b) -> Long.compare(b.toFile().lastModified(), a.toFile().lastModified()));
                if (!dirs.isEmpty()) {
                    return dirs.get(0);
                }
            } catch (IOException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("--text_model_id " + id + ": no local model (looked for " + direct
                + "/config.json and " + snapshots + "/<revision>/config.json); there is no network access, so"
                + " download it elsewhere or build the encoder from --text_hidden/--text_heads/--text_intermediate");
    }

    /** The text-encoder sizes in a HF config.json. */
    static TextEncoder.Config textConfig(Path modelDir) {
        try {
            JsonNode c = new ObjectMapper().readTree(modelDir.resolve("config.json").toFile());
            String type = c.path("model_type").asText("bert");
            return new TextEncoder.Config(c.path("vocab_size").asInt(), c.path("hidden_size").asLong(),
                    c.path("num_attention_heads").asInt(), c.path("intermediate_size").asLong(),
                    c.path("max_position_embeddings").asInt(), c.path("type_vocab_size").asInt(1),
                    c.path("layer_norm_eps").asDouble(1e-12), c.path("pad_token_id").asInt(type.contains("roberta")
                    ? 1 : 0), type.contains("roberta"));
        } catch (IOException e) {
            throw new IllegalArgumentException(modelDir.resolve("config.json") + ": cannot read: " + e.getMessage());
        }
    }

    /** The weights file of a HF model directory. */
    static Path weightsFile(Path modelDir) {
        for (String name : new String[] {"model.safetensors", "pytorch_model.bin"}) {
            if (Files.isRegularFile(modelDir.resolve(name))) {
                return modelDir.resolve(name);
            }
        }
        throw new IllegalArgumentException(modelDir + ": neither model.safetensors nor pytorch_model.bin");
    }

    /**
     * Copies the embeddings and layer 0 of a HF state dict into a text encoder. Names may carry a model prefix
     * ({@code roberta.}, {@code bert.}); linear weights are transposed from HF's [out, in]. The word-embedding
     * table may be larger in the encoder (a resized vocabulary); its extra rows keep their initialisation.
     */
    static void loadTextEncoder(TextEncoder enc, Map<String, INDArray> stateDict, String source) {
        for (Map.Entry<String, SDVariable> e : enc.parameters().entrySet()) {
            INDArray a = find(stateDict, e.getKey());
            if (a == null) {
                throw new IllegalArgumentException(source + ": missing tensor '" + e.getKey() + "'");
            }
            INDArray target = e.getValue().getArr();
            if (a.rank() == 2 && e.getKey().endsWith(".weight") && !e.getKey().startsWith("embeddings.")) {
                a = a.transpose();
            }
            if (e.getKey().equals("embeddings.word_embeddings.weight") && a.rows() < target.rows()) {
                target.get(NDArrayIndex.interval(0, a.rows()),
                        NDArrayIndex.all()).assign(a.castTo(target.dataType()));
                continue;
            }
            if (!Arrays.equals(target.shape(), a.shape())) {
                throw new IllegalArgumentException(source + ": tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(a.shape()) + ", the encoder expects "
                        + Arrays.toString(target.shape()));
            }
            target.assign(a.castTo(target.dataType()));
        }
    }

    private static INDArray find(Map<String, INDArray> sd, String key) {
        for (String prefix : new String[] {"", "roberta.", "bert.", "model."}) {
            INDArray a = sd.get(prefix + key);
            if (a != null) {
                return a;
            }
        }
        return null;
    }
}
