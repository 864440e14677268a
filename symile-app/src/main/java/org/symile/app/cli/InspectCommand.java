package org.symile.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.symile.data.NpyFile;
import org.symile.data.SplitTensors;
import org.symile.data.TensorSource;
import org.symile.data.TensorStats;
import org.symile.data.TorchFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code symile inspect}: what a tensor file or a split directory holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"A .npy file or a torch.save archive of tensors (any extension): format, dtype, shape, min,"
                + " max, mean and the first values (streamed, never loaded whole). A checkpoint (a PyTorch"
                + " Lightning one, or this project's): its fields, hyper-parameters and tensors' dtypes and shapes,"
                + " read without running pickle code. A data directory or split directory: every tensor with its"
                + " shape and dtype, and whether the row counts of each split agree."})
public final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "PATH", description = "A .npy file, a torch.save archive (.pt, .pth, .bin, .ckpt, ...),"
            + " a symile checkpoint, a split directory or a data directory.")
    private Path path;

    @Option(names = "--json", description = "Print JSON: for a file {format, dtype, shape, min, max, mean, head}.")
    private boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (Files.isDirectory(path)) {
            return directory(out);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(path + ": no such file or directory");
        }
        try {
            return file(out);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // a reader's failure on a damaged file is bad input, named with the file
            throw new IllegalArgumentException(path + ": unreadable (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    private int file(PrintWriter out) throws IOException {
        byte[] head = new byte[6];
        int n;
        try (java.io.InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 6 && (head[0] & 0xff) == 0x93 && head[1] == 'N' && head[2] == 'U' && head[3] == 'M') {
            try (NpyFile f = NpyFile.open(path)) {
                print(out, describe("npy", f));
            }
        } else if (n >= 2 && head[0] == 'P' && head[1] == 'K' && ArchiveSummary.isSymileCheckpoint(path)) {
            printTree(out, ArchiveSummary.symileCheckpoint(path, JSON));
        } else if (n >= 2 && ((head[0] == 'P' && head[1] == 'K') || (head[0] & 0xff) == 0x80)) {
            try (TorchFile f = TorchFile.openAny(path)) {
                if (f.root() instanceof TensorSource t) {
                    print(out, describe("pt", t));
                } else if (isTensorDict(f.root())) {
                    ObjectNode node = JSON.createObjectNode();
                    node.put("format", "pt");
                    ObjectNode tensors = node.putObject("tensors");
                    for (Map.Entry<String, TensorSource> e : f.tensors().entrySet()) {
                        tensors.set(e.getKey(), describe("pt", e.getValue()));
                    }
                    print(out, node);
                } else {
                    printTree(out, ArchiveSummary.torchArchive(f));
                }
            }
        } else {
            throw new IllegalArgumentException(path + ": not a .npy file or a torch.save/zip archive (it starts with"
                    + " neither the .npy magic string nor a zip signature)");
        }
        return 0;
    }

    /** A plain (possibly nested) dict whose leaves are all tensors: a state dict. */
    private static boolean isTensorDict(Object o) {
        if (!(o instanceof Map<?, ?> m) || o instanceof org.symile.data.PickledObject || m.isEmpty()) {
            return false;
        }
        for (Object v : m.values()) {
            if (!(v instanceof TensorSource) && !isTensorDict(v)) {
                return false;
            }
        }
        return true;
    }

    /** A summary tree: as JSON with --json, else indented "key: value" lines. */
    private void printTree(PrintWriter out, ObjectNode n) throws IOException {
        if (json) {
            out.println(JSON.writeValueAsString(n));
            return;
        }
        tree(out, n, "");
    }

    private static void tree(PrintWriter out, com.fasterxml.jackson.databind.JsonNode n, String indent) {
        n.fields().forEachRemaining(e -> {
            com.fasterxml.jackson.databind.JsonNode v = e.getValue();
            if (v.isObject() && v.size() > 0) {
                out.println(indent + e.getKey() + ":");
                tree(out, v, indent + "  ");
            } else {
                out.println(indent + e.getKey() + ": " + (v.isTextual() ? v.asText() : v.toString()));
            }
        });
    }

    private ObjectNode describe(String format, TensorSource t) {
        TensorStats s = TensorStats.of(t);
        ObjectNode n = JSON.createObjectNode();
        n.put("format", format);
        n.put("dtype", t.elementType().numpyName());
        ArrayNode shape = n.putArray("shape");
        for (long d : t.shape()) {
            shape.add(d);
        }
        putNumber(n, "min", s.min());
        putNumber(n, "max", s.max());
        putNumber(n, "mean", s.mean());
        ArrayNode head = n.putArray("head");
        for (double v : s.head()) {
            head.add(v);
        }
        return n;
    }

    private static void putNumber(ObjectNode n, String k, double v) {
        if (Double.isNaN(v)) {
            n.putNull(k);
        } else {
            n.put(k, v);
        }
    }

    private void print(PrintWriter out, ObjectNode n) throws IOException {
        if (json) {
            out.println(JSON.writeValueAsString(n));
            return;
        }
        if (n.has("tensors")) {
            n.get("tensors").fields().forEachRemaining(e -> out.printf("%-40s %s%n", e.getKey(), line(e.getValue())));
        } else {
            out.println(line(n));
        }
    }

    private static String line(com.fasterxml.jackson.databind.JsonNode n) {
        return String.format("%s %s %s  min %s  max %s  mean %s  head %s", n.path("format").asText(),
                n.path("dtype").asText(), n.path("shape"), n.path("min"), n.path("max"), n.path("mean"),
                n.path("head"));
    }

    private int directory(PrintWriter out) throws IOException {
        Map<String, Path> splits = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(path)) {
            for (Path p : s.filter(Files::isDirectory).sorted().toList()) {
                splits.put(p.getFileName().toString(), path);
            }
        }
        if (splits.isEmpty() || hasTensorFiles(path)) {
            splits.clear();
            splits.put(path.getFileName().toString(), path.getParent() == null ? Path.of(".") : path.getParent());
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "directory");
        ObjectNode splitsNode = root.putObject("splits");
        boolean allConsistent = true;
        for (Map.Entry<String, Path> e : splits.entrySet()) {
            try (SplitTensors st = SplitTensors.open(e.getValue(), e.getKey())) {
                List<String> names = st.names();
                if (names.isEmpty()) {
                    continue;
                }
                ObjectNode sn = splitsNode.putObject(e.getKey());
                ObjectNode tensors = sn.putObject("tensors");
                Long rows = null;
                boolean consistent = true;
                for (String name : names) {
                    TensorSource t = st.tensor(name);
                    ObjectNode tn = tensors.putObject(name);
                    tn.put("file", st.file(name).getFileName().toString());
                    tn.put("dtype", t.elementType().numpyName());
                    tn.put("shape", Arrays.toString(t.shape()));
                    if (rows == null) {
                        rows = t.rows();
                    } else if (rows != t.rows()) {
                        consistent = false;
                    }
                }
                sn.put("rows", rows);
                sn.put("consistent", consistent);
                allConsistent &= consistent;
            }
        }
        if (json) {
            out.println(JSON.writeValueAsString(root));
        } else {
            splitsNode.fields().forEachRemaining(s -> {
                out.printf("%s: %s rows%s%n", s.getKey(), s.getValue().path("rows"),
                        s.getValue().path("consistent").asBoolean() ? "" : "  ROW COUNTS DIFFER");
                s.getValue().path("tensors").fields().forEachRemaining(t -> out.printf("  %-36s %-8s %s%n",
                        t.getKey(), t.getValue().path("dtype").asText(), t.getValue().path("shape").asText()));
            });
        }
        return allConsistent ? 0 : org.symile.app.SymileCli.EXIT_FAILURE;
    }

    private static boolean hasTensorFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.toString().endsWith(".npy") || p.toString().endsWith(".pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
