package org.symile.app.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.run.Json;
import org.symile.app.spec.LossFn;
import org.symile.data.NpyWriter;
import org.symile.data.SplitTensors;
import org.symile.data.TensorBatchIterator;
import org.symile.data.custom.CustomLayout;
import org.symile.data.m3.M3Split;
import org.symile.data.mimic.MimicSplit;

/**
 * A split's representations written as numpy files: {@code <out>/<modality>_<split>.npy} (float32 [n, d], row i
 * from the split's row i) for each modality, and {@code <out>/embeddings_<split>.json} naming the model and the
 * data they came from. The split is read a batch at a time (only the inputs the chosen modalities need) and each
 * file is written under a temporary name; all are renamed into place only once every row is written, so a
 * failure leaves no partial output.
 */
public final class SplitEmbeddings {
    private static final Logger LOG = LoggerFactory.getLogger(SplitEmbeddings.class);

    /**
     * @param files modality → written file
     * @param meta  the JSON file
     */
    public record Result(Map<String, Path> files, Path meta, long rows) {
    }

    private SplitEmbeddings() {
    }

    /**
     * @param modalities the modalities to write, or empty for all of the model's
     * @param batch      rows encoded at a time
     * @throws IllegalArgumentException naming the flag or file for an unknown modality, a split that does not
     *                                  exist or does not fit, a binary_xor model (its data is drawn, not stored),
     *                                  or an output path that is not a directory
     */
    public static Result write(TrainedModel model, Path dataDir, String split, Path out, int batch,
                               List<String> modalities) {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch_sz: expected a positive batch size, got " + batch);
        }
        List<String> chosen = modalities.isEmpty() ? model.modalities() : List.copyOf(modalities);
        Set<String> needed = new HashSet<>();
        for (String m : chosen) {
            if (!model.modalities().contains(m)) {
                throw new IllegalArgumentException("--modalities: '" + m + "' is not a modality of this "
                        + model.kind().flag() + " model (it has " + String.join(", ", model.modalities()) + ")");
            }
            needed.addAll(model.inputs(m));
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + ": exists and is not a directory");
        }
        AutoCloseable data;
        List<TensorBatchIterator.Input> inputs;
        switch (model.kind()) {
            case SYMILE_M3 -> {
                M3Split s = M3Split.open(dataDir, split, null);
                data = s;
                inputs = s.inputs(DataType.FLOAT);
            }
            case SYMILE_MIMIC -> {
                MimicSplit s = MimicSplit.open(dataDir, split);
                data = s;
                inputs = s.inputs(DataType.FLOAT);
            }
            case CUSTOM -> {
                SplitTensors s = SplitTensors.open(dataDir, split);
                data = s;
                inputs = new ArrayList<>();
                for (String m : chosen) {
                    for (String name : List.of(m, CustomLayout.maskName(m), CustomLayout.missingName(m))) {
                        if (name.equals(m) || s.has(name)) {
                            inputs.add(new TensorBatchIterator.Input(name, s.tensor(name), null));
                            needed.add(name);
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("--ckpt_path " + model.file() + ": a binary_xor model;"
                    + " its data is drawn at random, not stored in a --data_dir, so there is no split to embed"
                    + " (encode your own bit vectors with TrainedModel.encode)");
        }
        List<NpyWriter> writers = new ArrayList<>();
        try (AutoCloseable closeData = data) {
            inputs.removeIf(in -> !needed.contains(in.name()));
            TensorBatchIterator it = new TensorBatchIterator(inputs, batch, false, null);
            long rows = it.rows();
            Map<String, Path> files = new LinkedHashMap<>();
            for (String m : chosen) {
                Path f = out.resolve(m + "_" + split + ".npy");
                files.put(m, f);
                writers.add(NpyWriter.create(f, rows, model.dimension()));
            }
            long done = 0;
            long lastLog = System.nanoTime();
            while (it.hasNext()) {
                Map<String, INDArray> b = it.nextBatch();
                for (int i = 0; i < chosen.size(); i++) {
                    INDArray r = model.encode(chosen.get(i), b);
                    writers.get(i).append(r);
                }
                done = writers.get(0).rows();
                if (System.nanoTime() - lastLog > 10_000_000_000L) {
                    LOG.info("embed: {} of {} rows", done, rows);
                    lastLog = System.nanoTime();
                }
            }
            Path meta = out.resolve("embeddings_" + split + ".json");
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("ckpt_path", model.file().toAbsolutePath().toString());
            n.put("checkpoint_origin", model.upstream() ? "upstream lightning" : "symile");
            n.put("experiment", model.kind().flag());
            n.put("loss_fn", model.spec().loss().lossFn().flag());
            if (model.spec().loss().lossFn() != LossFn.SYMILE || model.spec().loss().labelSmoothing() != 0) {
                n.put("label_smoothing", model.spec().loss().labelSmoothing());
            }
            if (model.spec().loss().lossFn().tupleObjective().isPresent() || !model.spec().loss().anchors().isEmpty()) {
                // what the scores of a GRAM or TRIANGLE model were trained with
                n.put("anchors", model.spec().loss().anchors().isEmpty() ? "all"
                        : String.join(",", model.spec().loss().anchors()));
            }
            n.put("logit_scale_exp", model.logitScale());
            n.put("data_dir", dataDir.toAbsolutePath().toString());
            n.put("split", split);
            n.put("rows", rows);
            n.put("d", model.dimension());
            n.put("dtype", "float32");
            ObjectNode fs = n.putObject("files");
            files.forEach((m, f) -> fs.put(m, f.getFileName().toString()));
            n.put("created", Instant.now().toString());
            for (NpyWriter w : writers) {
                w.commit();
            }
            Json.write(meta, n);
            LOG.info("embed: {} rows of {} written to {}", rows, String.join(", ", chosen), out);
            return new Result(files, meta, rows);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) { // closing the split's files
            throw new IllegalStateException(dataDir + ": " + e.getMessage(), e);
        } finally {
            writers.forEach(NpyWriter::close);
        }
    }
}
