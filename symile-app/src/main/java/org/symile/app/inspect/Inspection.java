package org.symile.app.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.symile.data.NpyFile;
import org.symile.data.PickledObject;
import org.symile.data.TensorSource;
import org.symile.data.TorchFile;

/**
 * What a tensor file, an archive or a data directory holds, read without loading it and without running pickle
 * code: a {@code .npy} file or a torch.save archive of tensors (format, dtype, shape, min, max, mean, the first
 * values), any other torch.save archive such as a PyTorch Lightning checkpoint (its fields, hyper-parameters and
 * tensors' dtypes and shapes), a symile checkpoint (its {@code meta.json} and array entries), or a split or data
 * directory (every tensor's dtype and shape per split, and whether the row counts agree). The format is read from
 * the file's first bytes, not its extension. {@link #json()} and {@link #text()} are the two renderings
 * {@code symile inspect} prints.
 */
public final class Inspection {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** How a summary reads as text. */
    enum Layout {
        /** One tensor: one line. */
        TENSOR,
        /** A dict of tensors: one line each. */
        TENSORS,
        /** An archive: indented "key: value" lines. */
        TREE,
        /** A directory: per split its rows, then one line per tensor. */
        DIRECTORY
    }

    private final ObjectNode summary;
    private final Layout layout;
    private final boolean consistent;

    Inspection(ObjectNode summary, Layout layout, boolean consistent) {
        this.summary = summary;
        this.layout = layout;
        this.consistent = consistent;
    }

    /**
     * Inspects a file or directory.
     *
     * @throws IllegalArgumentException naming the path when it does not exist, is of no known format or cannot be
     *                                  read (truncated, corrupt zip directory)
     */
    public static Inspection of(Path path) {
        if (Files.isDirectory(path)) {
            try {
                return SplitSummary.directory(path);
            } catch (IOException e) {
                throw new UncheckedIOException(path + ": " + e.getMessage(), e);
            }
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(path + ": no such file or directory");
        }
        try {
            return file(path);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // a reader's failure on a damaged file is bad input, named with the file
            throw new IllegalArgumentException(path + ": unreadable (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    /** The summary as a JSON tree: for one tensor {@code {format, dtype, shape, min, max, mean, head}}. */
    public ObjectNode summary() {
        return summary;
    }

    /** False for a directory whose splits' tensors have different row counts. */
    public boolean consistent() {
        return consistent;
    }

    /** The summary as indented JSON. */
    public String json() {
        try {
            return JSON.writeValueAsString(summary);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The summary as lines of text. */
    public String text() {
        StringBuilder out = new StringBuilder();
        switch (layout) {
            case TENSOR -> out.append(TensorSummary.line(summary)).append('\n');
            case TENSORS -> summary.get("tensors").fields().forEachRemaining(e -> out.append(String.format("%-40s %s%n",
                    e.getKey(), TensorSummary.line(e.getValue()))));
            case TREE -> {
                if (summary.has("unsafe_calls")) {
                    List<String> calls = new ArrayList<>();
                    summary.get("unsafe_calls").forEach(c -> calls.add(c.asText()));
                    out.append("WARNING: unsafe to load in Python: unpickling this file calls ")
                            .append(String.join(", ", calls)).append(" (torch.load without weights_only=True would"
                                    + " run it; shown below as inert data, nothing was run)\n");
                }
                tree(out, summary, "");
            }
            case DIRECTORY -> SplitSummary.text(out, summary);
        }
        return out.toString();
    }

    private static Inspection file(Path path) throws IOException {
        byte[] head = new byte[6];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 6 && (head[0] & 0xff) == 0x93 && head[1] == 'N' && head[2] == 'U' && head[3] == 'M') {
            try (NpyFile f = NpyFile.open(path)) {
                return new Inspection(TensorSummary.of("npy", f), Layout.TENSOR, true);
            }
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K' && ArchiveSummary.isSymileCheckpoint(path)) {
            return new Inspection(ArchiveSummary.symileCheckpoint(path, JSON), Layout.TREE, true);
        }
        if (n >= 2 && ((head[0] == 'P' && head[1] == 'K') || (head[0] & 0xff) == 0x80)) {
            try (TorchFile f = TorchFile.openAny(path)) {
                if (f.root() instanceof TensorSource t) {
                    return new Inspection(TensorSummary.of("pt", t), Layout.TENSOR, true);
                }
                if (isTensorDict(f.root())) {
                    ObjectNode node = JSON.createObjectNode();
                    node.put("format", "pt");
                    ObjectNode tensors = node.putObject("tensors");
                    for (Map.Entry<String, TensorSource> e : f.tensors().entrySet()) {
                        tensors.set(e.getKey(), TensorSummary.of("pt", e.getValue()));
                    }
                    return new Inspection(node, Layout.TENSORS, true);
                }
                return new Inspection(ArchiveSummary.torchArchive(f), Layout.TREE, true);
            }
        }
        throw new IllegalArgumentException(path + ": not a .npy file or a torch.save/zip archive (it starts with"
                + " neither the .npy magic string nor a zip signature)");
    }

    /** A plain (possibly nested) dict whose leaves are all tensors: a state dict. */
    private static boolean isTensorDict(Object o) {
        if (!(o instanceof Map<?, ?> m) || o instanceof PickledObject || m.isEmpty()) {
            return false;
        }
        for (Object v : m.values()) {
            if (!(v instanceof TensorSource) && !isTensorDict(v)) {
                return false;
            }
        }
        return true;
    }

    private static void tree(StringBuilder out, JsonNode n, String indent) {
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isObject() && v.size() > 0) {
                out.append(indent).append(e.getKey()).append(":\n");
                tree(out, v, indent + "  ");
            } else {
                out.append(indent).append(e.getKey()).append(": ").append(v.isTextual() ? v.asText() : v.toString())
                        .append('\n');
            }
        });
    }
}
