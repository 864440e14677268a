package org.symile.app.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.symile.app.run.Checkpoint;
import org.symile.data.PickledObject;
import org.symile.data.TensorSource;
import org.symile.data.TorchFile;

/**
 * What {@code inspect} says about an archive without loading it: a torch.save archive's object tree (tensors as
 * dtype and shape; for a PyTorch Lightning checkpoint its epoch, step, Lightning version, hyper-parameters and
 * state-dict tensors), or a symile checkpoint's meta.json and array entries.
 */
final class ArchiveSummary {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ArchiveSummary() {
    }

    /** Whether a zip archive is a symile checkpoint ({@code meta.json} at its root). */
    static boolean isSymileCheckpoint(Path file) {
        try {
            return Checkpoint.isCheckpoint(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": corrupt zip archive (" + e.getMessage() + ")", e);
        }
    }

    /** A symile checkpoint: its meta.json and each array entry's stored size. */
    static ObjectNode symileCheckpoint(Path file, ObjectMapper json) {
        ObjectNode n = F.objectNode();
        n.put("format", "symile checkpoint");
        ObjectNode arrays = F.objectNode();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> es = zip.entries();
            while (es.hasMoreElements()) {
                ZipEntry e = es.nextElement();
                if (e.getName().equals("meta.json")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        n.set("meta", json.readTree(in.readNBytes(1 << 24)));
                    }
                } else {
                    arrays.put(e.getName(), e.getSize() + " bytes");
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": corrupt symile checkpoint (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
        n.set("arrays", arrays);
        return n;
    }

    /**
     * A torch.save archive opened with {@link TorchFile#openAny}: for a Lightning-style checkpoint (a dict with
     * {@code state_dict}) the checkpoint's fields; otherwise the whole object tree.
     */
    static ObjectNode torchArchive(TorchFile f) {
        ObjectNode n = F.objectNode();
        Object root = f.root();
        List<String> unsafe = unsafeCalls(root);
        if (!unsafe.isEmpty()) {
            ArrayNode calls = n.putArray("unsafe_calls");
            unsafe.forEach(calls::add);
        }
        if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> stateDict) {
            n.put("format", "torch.save checkpoint");
            for (String k : List.of("epoch", "global_step", "pytorch-lightning_version", "hparams_name")) {
                if (m.containsKey(k)) {
                    n.set(k, value(m.get(k)));
                }
            }
            if (m.containsKey("hyper_parameters")) {
                n.set("hyper_parameters", value(m.get("hyper_parameters")));
            }
            n.set("state_dict", value(stateDict));
            ArrayNode other = n.putArray("other_keys");
            for (Object k : m.keySet()) {
                String key = String.valueOf(k);
                if (!n.has(key)) {
                    other.add(key);
                }
            }
            return n;
        }
        n.put("format", "torch.save archive");
        n.set("content", value(root));
        return n;
    }

    /**
     * Module prefixes of the callables a benign checkpoint's pickle names: torch's rebuilders and types, containers,
     * Lightning's, argparse's and OmegaConf's records, numpy's array reconstruction.
     */
    private static final List<String> BENIGN = List.of("torch.", "collections.", "pytorch_lightning.", "lightning.",
            "lightning_fabric.", "argparse.", "pathlib.", "omegaconf.", "typing.", "numpy.", "_codecs.encode",
            "copyreg._reconstructor", "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.complex",
            "builtins.bytearray");

    /**
     * The callables outside {@link #BENIGN} that unpickling the archive in Python would call (os.system,
     * builtins.eval, a module of the author's own, ...), in order of first appearance. This reader never calls
     * them; {@code torch.load} without {@code weights_only=True} would.
     */
    static List<String> unsafeCalls(Object root) {
        Set<String> found = new LinkedHashSet<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (o == null || !seen.add(o)) {
                continue;
            }
            if (o instanceof PickledObject p) {
                if (BENIGN.stream().noneMatch(p.className()::startsWith)) {
                    found.add(p.className());
                }
                p.args().forEach(todo::push);
            }
            if (o instanceof Map<?, ?> m) {
                m.keySet().forEach(todo::push);
                m.values().forEach(todo::push);
            } else if (o instanceof List<?> l) {
                l.forEach(todo::push);
            }
        }
        return List.copyOf(found);
    }

    /** Pickled data as JSON: tensors as "dtype [shape]", unknown objects with their class name. */
    static JsonNode value(Object o) {
        if (o == null) {
            return F.nullNode();
        }
        if (o instanceof TensorSource t) {
            return F.textNode(t.elementType().numpyName() + " " + Arrays.toString(t.shape()));
        }
        if (o instanceof PickledObject p) {
            ObjectNode n = F.objectNode();
            n.put("__class__", p.className());
            if (p.isEmpty() && !p.args().isEmpty()) {
                n.set("__args__", value(p.args()));
            }
            p.forEach((k, v) -> n.set(String.valueOf(k), value(v)));
            return n;
        }
        if (o instanceof Map<?, ?> m) {
            ObjectNode n = F.objectNode();
            m.forEach((k, v) -> n.set(String.valueOf(k), value(v)));
            return n;
        }
        if (o instanceof List<?> l) {
            ArrayNode a = F.arrayNode();
            l.forEach(x -> a.add(value(x)));
            return a;
        }
        if (o instanceof Long v) {
            return F.numberNode(v);
        }
        if (o instanceof Double v) {
            return Double.isFinite(v) ? F.numberNode(v) : F.textNode(v.toString());
        }
        if (o instanceof Boolean v) {
            return F.booleanNode(v);
        }
        if (o instanceof byte[] b) {
            return F.textNode("<" + b.length + " bytes>");
        }
        return F.textNode(String.valueOf(o));
    }
}
