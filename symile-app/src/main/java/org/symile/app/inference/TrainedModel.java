package org.symile.app.inference;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.experiments.ModelFiles;
import org.symile.app.experiments.custom.CustomArchitecture;
import org.symile.app.experiments.custom.CustomModel;
import org.symile.app.experiments.m3.M3Architecture;
import org.symile.app.experiments.m3.M3Model;
import org.symile.app.experiments.mimic.MimicArchitecture;
import org.symile.app.experiments.mimic.MimicModel;
import org.symile.app.experiments.mimic.MimicUpstream;
import org.symile.app.experiments.xor.BinaryXorExperiment;
import org.symile.app.experiments.xor.BinaryXorModel;
import org.symile.app.run.Json;
import org.symile.app.run.ModelSource;
import org.symile.app.runtime.NativeBuild;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.RngStream;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.ZeroShot;
import org.symile.samediff.inference.MultimodalEncoder;

/**
 * A trained model of any experiment, loaded from a checkpoint for inference. Modalities and their
 * inputs (per-row shapes; names are the experiment's split-tensor names, so a split's raw batches can be passed
 * as they are):
 * <table>
 *   <caption>inputs</caption>
 *   <tr><th>experiment</th><th>modality</th><th>inputs</th></tr>
 *   <tr><td>binary_xor</td><td>a, b, c</td><td>{@code a}, {@code b}, {@code c}: [d_v] bits</td></tr>
 *   <tr><td>symile_m3</td><td>audio, image</td><td>{@code audio} [H_a], {@code image} [H_i] encoder features</td></tr>
 *   <tr><td></td><td>text</td><td>{@code text_input_ids}, {@code text_attention_mask} [L]</td></tr>
 *   <tr><td>symile_mimic</td><td>cxr, ecg</td><td>{@code cxr} [3, H, W], {@code ecg} [1, T, 12]</td></tr>
 *   <tr><td></td><td>labs</td><td>{@code labs_percentiles}, {@code labs_missingness} [50]</td></tr>
 *   <tr><td>custom</td><td>each of --modalities</td><td>{@code NAME}: features [w], a category id, or token ids
 *   [L] (optional {@code NAME_mask} [L]); optional {@code NAME_missing} ({@link CustomModel#encode(String, Map)})
 *   </td></tr>
 * </table>
 * A symile_m3 model trained with missingness also reads the optional indicators {@code <modality>_missing} [B]
 * * ({@link M3Model#encode(String, Map)}). Representations are those the loss saw: L2-normalised for binary_xor and custom,
 * LayerNorm outputs for the other two.
 *
 * <pre>{@code
 * try (TrainedModel model = TrainedModel.load(Path.of("runs/m3/epoch=3-val_loss=2.1.ckpt"))) {
 *     INDArray audio = model.encode("audio", Map.of("audio", audioFeatures));                  // [Q, d]
 *     INDArray text = model.encode("text", Map.of("text_input_ids", ids, "text_attention_mask", mask));
 *     INDArray images = model.encode("image", Map.of("image", imageFeatures));                // [C, d]
 *     Retrieval.TopK top = model.retrieve(List.of(audio, text), images, 5);
 *     Retrieval.Metrics m = model.recall(List.of(audio, text), images, truth);
 * }
 * }</pre>
 * Not thread-safe: one thread encodes at a time.
 */
public final class TrainedModel implements MultimodalEncoder {
    static {
        // before ND4J starts, where this class is a program's first use of it (see NativeBuild)
        NativeBuild.select();
    }

    private final ModelSource source;
    private final TrainableModel model;
    private final long d;
    private final Map<String, List<String>> inputs;
    private final BiFunction<String, Map<String, INDArray>, INDArray> encoder;

    private TrainedModel(ModelSource source, TrainableModel model, long d, Map<String, List<String>> inputs,
                         BiFunction<String, Map<String, INDArray>, INDArray> encoder) {
        this.source = source;
        this.model = model;
        this.d = d;
        this.inputs = inputs;
        this.encoder = encoder;
    }

    /**
     * Loads a symile checkpoint of any experiment, or an upstream Lightning checkpoint of symile_m3 or
     * symile_mimic.
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable, or does not fit the model
     */
    public static TrainedModel load(Path file) {
        ModelSource src = ModelFiles.read(file);
        RngStream init = new RngStream(0); // every weight is then overwritten from the file
        String where = src.source();
        RunSpec spec = src.spec();
        return switch (src.kind()) {
            case BINARY_XOR -> {
                BinaryXorExperiment.Architecture a = Json.read(src.architecture(),
                        BinaryXorExperiment.Architecture.class, where + " (architecture)");
                BinaryXorModel m = new BinaryXorModel(a.dV(), a.d(), spec.loss(), init);
                src.weights().loadInto(m, where);
                Map<String, List<String>> in = new LinkedHashMap<>();
                for (String x : new String[] {"a", "b", "c"}) {
                    in.put(x, List.of(x));
                }
                yield new TrainedModel(src, m, a.d(), in, (mod, batch) -> m.encode(mod, input(batch, mod)));
            }
            case SYMILE_M3 -> {
                M3Architecture a = Json.read(src.architecture(), M3Architecture.class, where + " (architecture)");
                M3Model m = new M3Model(a, spec.loss(), init);
                src.weights().loadInto(m, where);
                Map<String, List<String>> in = new LinkedHashMap<>();
                in.put("audio", List.of("audio"));
                in.put("image", List.of("image"));
                in.put("text", List.of("text_input_ids", "text_attention_mask"));
                yield new TrainedModel(src, m, a.d(), in, m::encode);
            }
            case SYMILE_MIMIC -> {
                MimicArchitecture a = MimicUpstream.withShapes(Json.read(src.architecture(),
                        MimicArchitecture.class, where + " (architecture)"), MimicUpstream.CXR_SHAPE,
                        MimicUpstream.ECG_SHAPE);
                MimicModel m = new MimicModel(a, spec.loss(), init);
                src.weights().loadInto(m, where);
                Map<String, List<String>> in = new LinkedHashMap<>();
                in.put("cxr", List.of("cxr"));
                in.put("ecg", List.of("ecg"));
                in.put("labs", List.of("labs_percentiles", "labs_missingness"));
                yield new TrainedModel(src, m, a.d(), in, (mod, batch) -> m.encode(mod, mod.equals("labs")
                        ? Nd4j.concat(1, input(batch, "labs_percentiles").castTo(DataType.FLOAT),
                        input(batch, "labs_missingness").castTo(DataType.FLOAT)) : input(batch, mod)));
            }
            case CUSTOM -> {
                CustomArchitecture a = Json.read(src.architecture(), CustomArchitecture.class,
                        where + " (architecture)");
                CustomModel m = new CustomModel(a, spec.loss(), init, 0);
                src.weights().loadInto(m, where);
                Map<String, List<String>> in = new LinkedHashMap<>();
                for (CustomArchitecture.Encoder e : a.encoders()) {
                    in.put(e.name(), List.of(e.name()));
                }
                yield new TrainedModel(src, m, a.d(), in, m::encode);
            }
        };
    }

    private static INDArray input(Map<String, INDArray> batch, String name) {
        INDArray x = batch.get(name);
        if (x == null) {
            throw new IllegalArgumentException(name + ": required input missing (given: " + batch.keySet() + ")");
        }
        return x;
    }

    /** The experiment the model belongs to. */
    public ExperimentKind kind() {
        return source.kind();
    }

    /** The run's arguments (upstream's flag names). */
    public RunSpec spec() {
        return source.spec();
    }

    /** The file it was loaded from. */
    public Path file() {
        return source.file();
    }

    /** Whether the file was written by upstream's Lightning code. */
    public boolean upstream() {
        return source.upstream();
    }

    @Override
    public List<String> modalities() {
        return List.copyOf(inputs.keySet());
    }

    @Override
    public List<String> inputs(String modality) {
        List<String> names = inputs.get(modality);
        if (names == null) {
            throw new IllegalArgumentException("modality '" + modality + "': a " + kind().flag() + " model has "
                    + String.join(", ", inputs.keySet()));
        }
        return names;
    }

    @Override
    public INDArray encode(String modality, Map<String, INDArray> batch) {
        inputs(modality);
        return encoder.apply(modality, batch);
    }

    @Override
    public long dimension() {
        return d;
    }

    @Override
    public double logitScale() {
        return model.logitScale();
    }

    @Override
    public ZeroShot.Score score() {
        return source.spec().loss().lossFn().score();
    }

    @Override
    public void close() {
        model.release();
    }
}
