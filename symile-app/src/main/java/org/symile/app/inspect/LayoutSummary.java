package org.symile.app.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.symile.data.SplitTensors;
import org.symile.data.custom.CustomLayout;
import org.symile.data.m3.M3Split;
import org.symile.data.mimic.MimicSplit;

/**
 * Which experiment layouts a data directory satisfies, from the files' headers: symile_m3's and symile_mimic's
 * required tensors per split, and for {@code custom} the modalities found in every split (any tensor name that
 * is not another's {@code _mask} or {@code _missing}) with their kinds and shapes, checked as a run would check
 * them except for the values.
 */
final class LayoutSummary {
    private static final List<String> SPLITS = List.of("train", "val", "test");

    private LayoutSummary() {
    }

    /** Adds {@code layouts} to a directory's summary. */
    static void add(ObjectNode root, Path dataDir) {
        ObjectNode layouts = root.putObject("layouts");
        layouts.set("symile_m3", tryOpen(() -> {
            for (String s : SPLITS) {
                M3Split.open(dataDir, s, null).close();
            }
        }));
        layouts.set("symile_mimic", tryOpen(() -> {
            for (String s : List.of("train", "val", "val_retrieval", "test")) {
                MimicSplit.open(dataDir, s).close();
            }
        }));
        layouts.set("custom", custom(dataDir));
    }

    private static ObjectNode tryOpen(Runnable open) {
        ObjectNode n = Inspection.JSON.createObjectNode();
        try {
            open.run();
            n.put("satisfied", true);
        } catch (IllegalArgumentException e) {
            n.put("satisfied", false);
            n.put("reason", String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        return n;
    }

    private static ObjectNode custom(Path dataDir) {
        ObjectNode n = Inspection.JSON.createObjectNode();
        List<String> splits = SPLITS.stream().filter(s -> Files.isDirectory(dataDir.resolve(s))).toList();
        List<String> names = splits.isEmpty() ? List.of() : candidates(dataDir, splits);
        if (!splits.contains("train") || !splits.contains("val") || names.size() < 2) {
            n.put("satisfied", false);
            n.put("reason", !splits.contains("train") || !splits.contains("val")
                    ? "needs train and val split directories" : "needs at least 2 tensors present in every split");
            return n;
        }
        try {
            List<CustomLayout.Modality> found = CustomLayout.check(dataDir, names, splits, false);
            n.put("satisfied", true);
            n.put("flags", "--experiment custom --data_dir " + dataDir + " --modalities " + String.join(",", names));
            ObjectNode mods = n.putObject("modalities");
            for (CustomLayout.Modality m : found) {
                mods.put(m.name(), describe(m));
            }
        } catch (IllegalArgumentException e) {
            n.put("satisfied", false);
            n.put("reason", String.valueOf(e.getMessage()).lines().skip(1).findFirst().orElse(e.getMessage())
                    .trim());
        }
        return n;
    }

    /** Tensor names present in every split, without the masks and indicators of other names. */
    private static List<String> candidates(Path dataDir, List<String> splits) {
        Set<String> common = null;
        for (String s : splits) {
            try (SplitTensors t = SplitTensors.open(dataDir, s)) {
                Set<String> names = new LinkedHashSet<>(t.names());
                if (common == null) {
                    common = names;
                } else {
                    common.retainAll(names);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String name : common) {
            boolean auxiliary = false;
            for (String other : common) {
                auxiliary |= name.equals(CustomLayout.maskName(other)) || name.equals(CustomLayout.missingName(other));
            }
            if (!auxiliary) {
                out.add(name);
            }
        }
        return out;
    }

    private static String describe(CustomLayout.Modality m) {
        String what = switch (m.kind()) {
            case FEATURES -> "features [N, " + m.width() + "]";
            case CATEGORIES -> "categories [N]";
            case TOKENS -> "tokens [N, " + m.width() + "]" + (m.mask() ? ", masked" : "");
        };
        return what + (m.missing() ? ", can be absent" : "");
    }

    static void text(StringBuilder out, JsonNode layouts) {
        out.append("layouts:\n");
        layouts.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            out.append("  ").append(e.getKey()).append(": ").append(v.path("satisfied").asBoolean() ? "yes" : "no");
            if (v.has("reason")) {
                out.append(" (").append(v.path("reason").asText()).append(')');
            }
            out.append('\n');
            if (v.has("modalities")) {
                v.path("modalities").fields().forEachRemaining(m -> out.append(String.format("    %-34s %s%n",
                        m.getKey(), m.getValue().asText())));
                out.append("    train with: ").append(v.path("flags").asText()).append('\n');
            }
        });
    }
}
