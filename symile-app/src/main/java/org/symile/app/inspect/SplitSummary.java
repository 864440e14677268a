package org.symile.app.inspect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.symile.data.SplitTensors;
import org.symile.data.TensorSource;

/**
 * A data directory (one subdirectory per split) or a split directory: every tensor's file, dtype and shape per
 * split, the split's rows, and whether its tensors' row counts agree; for a data directory also which experiment
 * layouts it satisfies ({@link LayoutSummary}).
 */
final class SplitSummary {
    private SplitSummary() {
    }

    static Inspection directory(Path path) throws IOException {
        Map<String, Path> splits = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(path)) {
            for (Path p : s.filter(Files::isDirectory).sorted().toList()) {
                splits.put(p.getFileName().toString(), path);
            }
        }
        boolean splitDirectory = splits.isEmpty() || hasTensorFiles(path);
        if (splitDirectory) {
            splits.clear();
            splits.put(path.getFileName().toString(), path.getParent() == null ? Path.of(".") : path.getParent());
        }
        ObjectNode root = Inspection.JSON.createObjectNode();
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
        if (!splitDirectory) {
            LayoutSummary.add(root, path);
        }
        return new Inspection(root, Inspection.Layout.DIRECTORY, allConsistent);
    }

    static void text(StringBuilder out, ObjectNode root) {
        root.path("splits").fields().forEachRemaining(s -> {
            out.append(String.format("%s: %s rows%s%n", s.getKey(), s.getValue().path("rows"),
                    s.getValue().path("consistent").asBoolean() ? "" : "  ROW COUNTS DIFFER"));
            s.getValue().path("tensors").fields().forEachRemaining(t -> out.append(String.format("  %-36s %-8s %s%n",
                    t.getKey(), t.getValue().path("dtype").asText(), t.getValue().path("shape").asText())));
        });
        if (root.has("layouts")) {
            LayoutSummary.text(out, root.get("layouts"));
        }
    }

    private static boolean hasTensorFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.toString().endsWith(".npy") || p.toString().endsWith(".pt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
