package org.symile.app.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.SafetensorsFile;
import org.symile.data.TorchFile;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.symile.samediff.dl4j.TorchvisionResNet;
import org.symile.samediff.nn.TextEncoder;

/**
 * Loads pretrained weights from local files, never the network: torchvision ResNet {@code .pth} state dicts and
 * Hugging Face model directories (config.json plus model.safetensors or pytorch_model.bin), given as a path or
 * found in the standard cache ({@code ~/.cache/huggingface/hub/models--<org>--<name>/snapshots/<rev>/}).
 */
public final class PretrainedWeights {
    /** torchvision's file names for the weights upstream uses. */
    public static final String RESNET50_V2 = "resnet50-11ad3fa6.pth";
    public static final String RESNET18_V1 = "resnet18-f37072fd.pth";

    private PretrainedWeights() {
    }

    /** Reads every tensor of a {@code .pth}, {@code .bin} or {@code .safetensors} file. */
    public static Map<String, INDArray> readStateDict(Path file) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (file.toString().endsWith(".safetensors")) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                f.tensors().forEach((k, t) -> out.put(k, t.read()));
            }
        } else {
            try (TorchFile f = TorchFile.open(file)) {
                f.tensors().forEach((k, t) -> out.put(k, t.read()));
            }
        }
        return out;
    }

    /**
     * Copies a torchvision state dict into the layers of {@code net} in {@code graph} (named {@code prefix} +
     * torchvision's module names); names in {@code skip} (e.g. a replaced conv1) keep their values.
     */
    public static void loadResNet(ComputationGraph graph, TorchvisionResNet net, String prefix, Path pth,
                                  Set<String> skip) {
        net.load(graph, prefix, readStateDict(pth), skip, pth.toString());
    }

    /**
     * The torchvision checkpoint {@code name} in {@code dir} (default: torch hub's cache).
     *
     * @throws IllegalArgumentException naming the expected file when it is missing
     */
    public static Path torchvisionFile(Path dir, String name) {
        Path d = dir != null ? dir : Path.of(System.getProperty("user.home"), ".cache", "torch", "hub", "checkpoints");
        Path f = d.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("--pretrained True: missing " + f + "; place torchvision's "
                    + RESNET50_V2 + " (ResNet-50 IMAGENET1K_V2) and " + RESNET18_V1 + " (ResNet-18 IMAGENET1K_V1) in "
                    + d + " or pass --pretrained_dir");
        }
        return f;
    }

    /**
     * The local directory of Hugging Face model {@code id}: the path itself if it is a directory with
     * config.json, else the newest snapshot in the HF cache.
     *
     * @throws IllegalArgumentException saying where it looked
     */
    public static Path huggingFaceDir(String id) {
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
    public static TextEncoder.Config textConfig(Path modelDir) {
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
    public static Path weightsFile(Path modelDir) {
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
    public static void loadTextEncoder(TextEncoder enc, Map<String, INDArray> stateDict, String source) {
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
                target.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, a.rows()),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(a.castTo(target.dataType()));
                continue;
            }
            if (!java.util.Arrays.equals(target.shape(), a.shape())) {
                throw new IllegalArgumentException(source + ": tensor '" + e.getKey() + "' has shape "
                        + java.util.Arrays.toString(a.shape()) + ", the encoder expects "
                        + java.util.Arrays.toString(target.shape()));
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
