package org.symile.app.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.io.AtomicFiles;

/**
 * A training checkpoint: one zip file holding {@code meta.json} (format, experiment, epoch, step, the run's
 * flags under their upstream names, RNG states, metrics and experiment state), every graph variable
 * ({@code var/<name>}) and the optimizer state ({@code opt/m/<name>}, {@code opt/v/<name>}), arrays in ND4J's
 * binary format (exact for every dtype). Written atomically: a crash leaves the previous file intact.
 */
public record Checkpoint(ObjectNode meta, Map<String, INDArray> variables, Map<String, INDArray> optimizer) {
    /** Value of {@code meta.format}. */
    public static final String FORMAT = "symile-checkpoint-1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** An empty metadata object stamped with the format. */
    public static ObjectNode newMeta() {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        return n;
    }

    public void write(Path file) {
        AtomicFiles.write(file, raw -> {
            ZipOutputStream zip = new ZipOutputStream(raw);
            zip.setLevel(1);
            zip.putNextEntry(new ZipEntry("meta.json"));
            zip.write(JSON.writeValueAsBytes(meta));
            zip.closeEntry();
            writeArrays(zip, "var/", variables);
            writeArrays(zip, "opt/", optimizer);
            zip.finish();
        });
    }

    private static void writeArrays(ZipOutputStream zip, String prefix, Map<String, INDArray> arrays)
            throws IOException {
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            zip.putNextEntry(new ZipEntry(prefix + e.getKey()));
            DataOutputStream out = new DataOutputStream(zip);
            Nd4j.write(e.getValue(), out);
            out.flush();
            zip.closeEntry();
        }
    }

    /**
     * Reads a checkpoint.
     *
     * @throws IllegalArgumentException naming the file when it is missing or not a checkpoint of this format
     */
    public static Checkpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--ckpt_path: no such checkpoint file: " + file);
        }
        ObjectNode meta = null;
        Map<String, INDArray> vars = new LinkedHashMap<>();
        Map<String, INDArray> opt = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String name = e.getName();
                if (name.equals("meta.json")) {
                    meta = (ObjectNode) JSON.readTree(zip.readAllBytes());
                } else if (name.startsWith("var/")) {
                    vars.put(name.substring(4), Nd4j.read(new DataInputStream(zip)));
                } else if (name.startsWith("opt/")) {
                    opt.put(name.substring(4), Nd4j.read(new DataInputStream(zip)));
                }
            }
        } catch (IOException | RuntimeException ex) {
            throw new IllegalArgumentException("--ckpt_path " + file + ": not a readable symile checkpoint ("
                    + ex.getClass().getSimpleName() + ": " + ex.getMessage() + ")");
        }
        if (meta == null || !FORMAT.equals(meta.path("format").asText())) {
            throw new IllegalArgumentException("--ckpt_path " + file + ": not a symile checkpoint (expected meta.json"
                    + " with format " + FORMAT + ")");
        }
        return new Checkpoint(meta, vars, opt);
    }
}
