package org.symile.app.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.io.AtomicFiles;

/**
 * A training checkpoint: one zip file holding {@code meta.json} ({@link CheckpointMeta}), every model array
 * ({@code var/<name>}: weights, logit scale, running statistics) and the optimizer state ({@code opt/m/<name>},
 * {@code opt/v/<name>}), arrays in ND4J's binary format (exact for every dtype). Written atomically: a crash leaves
 * the previous file intact.
 */
public record Checkpoint(CheckpointMeta meta, Map<String, INDArray> variables, Map<String, INDArray> optimizer) {
    /** Value of {@code meta.format}. */
    public static final String FORMAT = "symile-checkpoint-2";
    private static final int BUFFER = 1 << 16;

    public void write(Path file) {
        AtomicFiles.write(file, raw -> {
            ZipOutputStream zip = new ZipOutputStream(raw);
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry("meta.json"));
            zip.write(Json.MAPPER.writeValueAsBytes(meta));
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
            // Nd4j.write emits every element as its own 4- or 8-byte write: unbuffered, the deflater ran once per
            // element (41 s for a 0.7 GB Symile-MIMIC checkpoint)
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(zip, BUFFER));
            // Nd4j.write copies a view and leaves the copy to the garbage collector: at Symile-MIMIC's size that
            // held ~0.8 GB of native memory per checkpoint; the copy made here is freed as soon as it is written
            INDArray a = e.getValue();
            INDArray whole = a.isView() ? a.dup() : a;
            try {
                Nd4j.write(whole, out);
            } finally {
                if (whole != a) {
                    whole.close();
                }
            }
            out.flush();
            zip.closeEntry();
        }
    }

    /**
     * Refuses an array entry whose ND4J header declares more data than the entry holds (a damaged length would
     * otherwise make ND4J allocate it before reading); leaves the stream where it was.
     */
    private static void checkArrayHeader(InputStream in, long entrySize, String name) throws IOException {
        in.mark(1 << 14);
        DataInputStream d = new DataInputStream(in);
        d.readUTF();
        long shapeLength = d.readLong();
        d.readUTF();
        if (shapeLength < 0 || shapeLength > 1024) {
            throw new IOException(name + " has a damaged shape header");
        }
        d.skipNBytes(shapeLength * Long.BYTES);
        d.readUTF();
        long length = d.readLong();
        String type = d.readUTF();
        long width;
        try {
            width = org.nd4j.linalg.api.buffer.DataType.valueOf(type).width();
        } catch (IllegalArgumentException ex) {
            throw new IOException(name + " has an unknown data type '" + type + "'");
        }
        if (length < 0 || (entrySize >= 0 && length > entrySize / Math.max(1, width))) {
            throw new IOException(name + " declares " + length + " elements of " + type + " in " + entrySize
                    + " bytes");
        }
        in.reset();
    }

    /**
     * Whether a zip archive is a symile checkpoint: {@code meta.json} at its root (a torch.save archive has its
     * pickle under a folder, never a root {@code data.pkl}).
     *
     * @throws IOException when the file is not a readable zip archive
     */
    public static boolean isCheckpoint(Path file) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            return zip.getEntry("meta.json") != null && zip.getEntry("data.pkl") == null;
        }
    }

    /**
     * Reads a checkpoint.
     *
     * @throws IllegalArgumentException naming the file when it is missing, not a checkpoint, or of another format
     */
    public static Checkpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--ckpt_path: no such checkpoint file: " + file);
        }
        JsonNode meta = null;
        Map<String, INDArray> vars = new LinkedHashMap<>();
        Map<String, INDArray> opt = new LinkedHashMap<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            java.util.Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                try (InputStream in = new BufferedInputStream(zip.getInputStream(e), BUFFER)) {
                    if (name.equals("meta.json")) {
                        meta = Json.MAPPER.readTree(in.readNBytes(1 << 26));
                    } else if (name.startsWith("var/") || name.startsWith("opt/")) {
                        checkArrayHeader(in, e.getSize(), name);
                        (name.startsWith("var/") ? vars : opt).put(name.substring(4),
                                Nd4j.read(new DataInputStream(in)));
                    }
                }
            }
        } catch (IOException | RuntimeException ex) {
            throw new IllegalArgumentException("--ckpt_path " + file + ": not a readable symile checkpoint ("
                    + ex.getClass().getSimpleName() + (ex.getMessage() == null ? ", truncated or corrupt" : ": "
                    + ex.getMessage()) + ")", ex);
        } catch (OutOfMemoryError ex) {
            // a damaged length field asks ND4J for an impossible array
            throw new IllegalArgumentException("--ckpt_path " + file + ": not a readable symile checkpoint (an array"
                    + " larger than memory is declared: corrupt file?)", ex);
        }
        String format = meta == null ? null : meta.path("format").asText(null);
        if (format == null || !format.startsWith("symile-checkpoint-")) {
            throw new IllegalArgumentException("--ckpt_path " + file + ": not a symile checkpoint (expected meta.json"
                    + " with format " + FORMAT + ")");
        }
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("--ckpt_path " + file + ": checkpoint format " + format + " was written"
                    + " by another version of symile; this one reads " + FORMAT);
        }
        return new Checkpoint(Json.read(meta, CheckpointMeta.class, "--ckpt_path " + file), vars, opt);
    }
}
