package org.symile.data;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * An object of a class that {@link TorchFile#openAny} does not know, kept as inert data instead of being
 * constructed (no pickle code runs): its class name, the arguments the pickle would have passed to its
 * constructor, and, as map entries, what the pickle put into it: dict items for a dict subclass (Lightning's
 * {@code AttributeDict}), attributes from its state otherwise (argparse's {@code Namespace}); a list subclass's
 * items under {@code "__items__"}.
 */
public final class PickledObject extends LinkedHashMap<Object, Object> {
    private final String className;
    private final transient List<Object> args;

    PickledObject(String className, List<Object> args) {
        this.className = className;
        this.args = List.copyOf(args.stream().map(a -> a == null ? (Object) "None" : a).toList());
    }

    /** Module-qualified class name, e.g. {@code lightning.fabric.utilities.data.AttributeDict}. */
    public String className() {
        return className;
    }

    /** The constructor arguments (None as the string "None"). */
    public List<Object> args() {
        return args;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PickledObject p && p.className.equals(className) && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * className.hashCode() + super.hashCode();
    }

    /** What REDUCE or NEWOBJ of an unknown class makes: a {@code pathlib} path's string, else a PickledObject. */
    static Object instance(String module, String name, List<Object> args) {
        if (module.equals("pathlib") && name.endsWith("Path")) {
            StringBuilder sb = new StringBuilder();
            for (Object part : args) {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '/') {
                    sb.append('/');
                }
                sb.append(part);
            }
            return sb.toString();
        }
        return new PickledObject(module + "." + name, args);
    }

    /** BUILD: a dict state (or the dicts of a (state, slots) pair) becomes entries; other states are dropped. */
    void build(Object state) {
        if (state instanceof java.util.Map<?, ?> m) {
            putAll(m);
        } else if (state instanceof List<?> l && l.size() == 2) {
            for (Object part : l) {
                if (part instanceof java.util.Map<?, ?> m) {
                    putAll(m);
                }
            }
        }
    }

    /** The list a list subclass's APPEND/APPENDS add to. */
    @SuppressWarnings("unchecked")
    List<Object> items() {
        return (List<Object>) computeIfAbsent("__items__", k -> new java.util.ArrayList<>());
    }
}
