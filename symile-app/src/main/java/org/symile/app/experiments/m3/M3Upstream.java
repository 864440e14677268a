package org.symile.app.experiments.m3;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.run.Json;
import org.symile.app.run.ModelSource;
import org.symile.app.spec.RunSpec;
import org.symile.data.TensorSource;
import org.symile.samediff.nn.TextEncoder;

/**
 * Upstream's Symile-M3 LightningModule (upstream-checkpoints.md) mapped onto {@link M3Model}:
 * <pre>
 *   audio_encoder.fc.weight [d, A]           → audio_proj_W [A, d] (transposed); .bias → audio_proj_b
 *   audio_encoder.layer_norm.weight / .bias  → audio_ln_gamma / audio_ln_beta
 *   audio_encoder.missingness_embed.weight   → audio_missing_emb [2, H_a]      (with missingness)
 *   image_encoder.*                          → image_* likewise
 *   text_encoder.encoder.{embeddings, encoder.layer.0}.*  → the text encoder (Hugging Face names)
 *   text_encoder.fc / text_encoder.layer_norm            → text_proj / text_ln
 *   logit_scale                              → logit_scale
 * </pre>
 * The Hugging Face model's later layers and pooler (never used upstream) and the module aliases
 * {@code text_encoder.embeddings.*}, {@code text_encoder.encoder_layer.*} are skipped; any other name is refused.
 * Sizes come from the tensors; the attention heads, LayerNorm epsilon, padding id and position scheme, which no
 * tensor records, from the local Hugging Face config of {@code text_model_id} if there is one, else from the
 * models upstream names. The vocabulary is the whole embedding table (no data is needed to load the model); with
 * missingness its last row is upstream's added {@code [MISSING]} token.
 */
public final class M3Upstream {
    private static final String TEXT = "text_encoder.encoder.";

    /** Text models upstream's scripts name: heads, LayerNorm epsilon, padding id, RoBERTa positions. */
    private record Known(int heads, double eps, int pad, boolean roberta) {
    }

    private static final Map<String, Known> KNOWN = Map.of(
            "xlm-roberta-large", new Known(16, 1e-5, 1, true),
            "xlm-roberta-base", new Known(12, 1e-5, 1, true),
            "FacebookAI/xlm-roberta-large", new Known(16, 1e-5, 1, true),
            "FacebookAI/xlm-roberta-base", new Known(12, 1e-5, 1, true),
            "bert-base-multilingual-cased", new Known(12, 1e-12, 0, false),
            "bert-base-multilingual-uncased", new Known(12, 1e-12, 0, false),
            "google-bert/bert-base-multilingual-cased", new Known(12, 1e-12, 0, false));

    private M3Upstream() {
    }

    /**
     * @param state the checkpoint's state_dict
     * @param hp    its hyper_parameters
     * @throws IllegalArgumentException naming the parameter and the shapes when the file does not fit
     */
    public static ModelSource read(Path file, RunSpec spec, Map<String, TensorSource> state, Map<?, ?> hp) {
        String source = "--ckpt_path " + file;
        Map<String, INDArray> heads = new LinkedHashMap<>();
        Map<String, INDArray> hf = new LinkedHashMap<>();
        for (Map.Entry<String, TensorSource> e : state.entrySet()) {
            String k = e.getKey();
            String ours = headName(k);
            if (ours != null) {
                heads.put(k, e.getValue().read());
            } else if (k.startsWith(TEXT + "embeddings.") || k.startsWith(TEXT + "encoder.layer.0.")) {
                if (!k.endsWith("position_ids")) {
                    hf.put(k.substring(TEXT.length()), e.getValue().read());
                }
            } else if (!k.startsWith(TEXT) && !k.startsWith("text_encoder.embeddings.")
                    && !k.startsWith("text_encoder.encoder_layer.")) {
                throw new IllegalArgumentException(source + ": parameter '" + k + "' is not part of upstream's"
                        + " Symile-M3 model");
            }
        }
        boolean missingness = spec.m3().missingness();
        INDArray audioLn = need(heads, "audio_encoder.layer_norm.weight", source);
        long d = audioLn.length();
        if (d != spec.m3().d()) {
            throw new IllegalArgumentException(source + ": hyper_parameters give d " + spec.m3().d()
                    + ", but audio_encoder.layer_norm.weight has shape " + Arrays.toString(audioLn.shape()));
        }
        long audio = width(heads, "audio_encoder", missingness, source);
        long image = width(heads, "image_encoder", missingness, source);
        INDArray words = need(hf, "embeddings.word_embeddings.weight", TEXT, source);
        int rows = Math.toIntExact(words.rows());
        long[] vocab = new long[missingness ? rows - 1 : rows];
        for (int i = 0; i < vocab.length; i++) {
            vocab[i] = i;
        }
        TextEncoder.Config text = textConfig(spec.m3().textModelId(), hf, vocab.length + 1, source);
        M3Architecture a = new M3Architecture(audio, image, d, missingness, vocab, text, null);
        return new ModelSource(file, spec.experiment(), spec, Json.tree(a),
                (model, src) -> load((M3Model) model, heads, hf, missingness, src), true);
    }

    /** Our variable name of an upstream head parameter, or null for a text-encoder name. */
    private static String headName(String k) {
        for (String m : new String[] {"audio", "image", "text"}) {
            String p = m + "_encoder.";
            if (!k.startsWith(p)) {
                continue;
            }
            String rest = k.substring(p.length());
            return switch (rest) {
                case "fc.weight" -> m + "_proj_W";
                case "fc.bias" -> m + "_proj_b";
                case "layer_norm.weight" -> m + "_ln_gamma";
                case "layer_norm.bias" -> m + "_ln_beta";
                case "missingness_embed.weight" -> m.equals("text") ? null : m + "_missing_emb";
                default -> null;
            };
        }
        return k.equals("logit_scale") ? "logit_scale" : null;
    }

    /** Feature width of an encoder, from its fc (halved with missingness: features ++ indicator embedding). */
    private static long width(Map<String, INDArray> heads, String enc, boolean missingness, String source) {
        INDArray fc = need(heads, enc + ".fc.weight", source);
        if (fc.rank() != 2) {
            throw new IllegalArgumentException(source + ": parameter '" + enc + ".fc.weight' has shape "
                    + Arrays.toString(fc.shape()) + ", expected [d, features]");
        }
        INDArray emb = heads.get(enc + ".missingness_embed.weight");
        if (missingness != (emb != null)) {
            throw new IllegalArgumentException(source + ": hyper_parameters say missingness " + (missingness
                    ? "True" : "False") + ", but the state_dict " + (emb == null ? "has no" : "has") + " '" + enc
                    + ".missingness_embed.weight'");
        }
        return missingness ? fc.columns() / 2 : fc.columns();
    }

    private static TextEncoder.Config textConfig(String modelId, Map<String, INDArray> hf, int vocab,
                                                 String source) {
        INDArray words = hf.get("embeddings.word_embeddings.weight");
        long hidden = words.columns();
        int positions = (int) need(hf, "embeddings.position_embeddings.weight", TEXT, source).rows();
        int types = (int) need(hf, "embeddings.token_type_embeddings.weight", TEXT, source).rows();
        long inter = need(hf, "encoder.layer.0.intermediate.dense.weight", TEXT, source).rows();
        TextEncoder.Config local = null;
        if (modelId != null) {
            try {
                local = HuggingFaceText.textConfig(HuggingFaceText.directory(modelId));
            } catch (IllegalArgumentException absent) {
                // no local copy: the table of upstream's models below
            }
        }
        Known k = local != null ? new Known(local.heads(), local.eps(), local.padTokenId(), local.xlmRoberta())
                : KNOWN.get(modelId);
        if (k == null) {
            throw new IllegalArgumentException(source + ": hyper_parameters text_model_id '" + modelId + "': the"
                    + " number of attention heads is in no tensor and this model is neither available locally nor"
                    + " one of " + KNOWN.keySet() + "; put its config.json where --text_model_id finds it");
        }
        if (hidden % k.heads() != 0) {
            throw new IllegalArgumentException(source + ": text_encoder.encoder.embeddings.word_embeddings.weight"
                    + " has shape " + Arrays.toString(words.shape()) + ": hidden size " + hidden + " does not split"
                    + " into " + modelId + "'s " + k.heads() + " attention heads");
        }
        return new TextEncoder.Config(vocab, hidden, k.heads(), inter, positions, types, k.eps(), k.pad(),
                k.roberta());
    }

    private static INDArray need(Map<String, INDArray> m, String key, String source) {
        return need(m, key, "", source);
    }

    private static INDArray need(Map<String, INDArray> m, String key, String prefix, String source) {
        INDArray a = m.get(key);
        if (a == null) {
            throw new IllegalArgumentException(source + ": the state_dict has no '" + prefix + key + "'");
        }
        return a;
    }

    /** Copies the mapped tensors into a model built from the architecture, checking each shape. */
    private static void load(M3Model model, Map<String, INDArray> heads, Map<String, INDArray> hf,
                             boolean missingness, String source) {
        Map<String, INDArray> own = model.state();
        Map<String, INDArray> ours = new LinkedHashMap<>();
        heads.forEach((k, v) -> {
            String name = headName(k);
            boolean t = name.endsWith("_proj_W");
            ours.put(name, fit(k, t ? v.transpose() : v, v, t, own.get(name), source));
        });
        for (Map.Entry<String, SDVariable> e : model.text().parameters().entrySet()) {
            String k = e.getKey();
            INDArray v = hf.get(k);
            if (v == null) {
                throw new IllegalArgumentException(source + ": the state_dict has no '" + TEXT + k + "'");
            }
            INDArray target = own.get(e.getValue().name());
            boolean t = v.rank() == 2 && k.endsWith(".weight") && !k.startsWith("embeddings.");
            INDArray value = t ? v.transpose() : v;
            if (k.equals("embeddings.word_embeddings.weight") && !missingness && value.rows() + 1 == target.rows()) {
                // without missingness upstream has no [MISSING] row; the compact table's extra slot stays unused
                INDArray padded = Nd4j.zeros(target.dataType(), target.shape());
                padded.get(NDArrayIndex.interval(0, value.rows()), NDArrayIndex.all())
                        .assign(value.castTo(target.dataType()));
                value = padded;
            }
            ours.put(e.getValue().name(), fit(TEXT + k, value, v, t, target, source));
        }
        own.forEach((name, value) -> {
            if (!ours.containsKey(name) && !model.trainable().contains(name)) {
                ours.put(name, value); // the graph's own constants (the indicator rows' selectors)
            }
        });
        model.loadState(ours, source);
    }

    private static INDArray fit(String key, INDArray value, INDArray original, boolean transposed, INDArray target,
                                String source) {
        if (target == null) {
            throw new IllegalArgumentException(source + ": parameter '" + key + "' has no place in this model");
        }
        if (target.length() == 1 && value.length() == 1) {
            return value.reshape(target.shape()).castTo(target.dataType()); // a 0-d scalar upstream
        }
        if (!Arrays.equals(value.shape(), target.shape())) {
            throw new IllegalArgumentException(source + ": parameter '" + key + "' has shape "
                    + Arrays.toString(original.shape()) + ", but the model its hyper_parameters and other tensors"
                    + " describe needs " + Arrays.toString(transposed ? target.transpose().shape()
                    : target.shape()));
        }
        return value.castTo(target.dataType());
    }
}
