package org.symile.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted unpickler for torch.save's {@code data.pkl}: it understands the opcodes of pickle protocols 2–5
 * and builds only plain values (strings, numbers, booleans, None, lists, tuples as lists, dicts) and tensors.
 * Globals are an allow-list of torch's tensor-rebuild functions, storage types and {@code OrderedDict}; anything
 * else is rejected, so a .pt file can never make this reader run code.
 */
final class Unpickler {
    /** A storage referenced by a persistent id: the zip entry {@code data/<key>} of {@code numel} elements. */
    record Storage(String key, ElementType type, long numel) {
    }

    /** A tensor view of a storage. */
    record TensorRef(Storage storage, long offset, long[] shape, long[] stride) {
    }

    private record Global(String module, String name) {
    }

    private static final Set<String> ALLOWED_FUNCTIONS = Set.of("torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter", "collections.OrderedDict");

    private final ByteBuffer in;
    private final String where;
    private final boolean inert;
    private final java.util.ArrayDeque<Integer> marks = new java.util.ArrayDeque<>();
    private final List<Object> stackList = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] data, String where, boolean inert) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.where = where;
        this.inert = inert;
    }

    /** Unpickles {@code data}, refusing any class but torch's tensor rebuilders; {@code where} names the file. */
    static Object load(byte[] data, String where) {
        return load(data, where, false);
    }

    /**
     * Unpickles {@code data}. Nothing is ever executed: with {@code inert} false any class other than torch's tensor
     * rebuilders and OrderedDict is refused; with it true such objects become {@link PickledObject}s (Lightning's
     * AttributeDict, argparse Namespace, ...) and paths their strings.
     *
     * @throws IllegalArgumentException naming {@code where} for malformed, truncated or refused data
     */
    static Object load(byte[] data, String where, boolean inert) {
        try {
            return new Unpickler(data, where, inert).run();
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException(where + ": truncated pickle data");
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException(where + ": malformed pickle data (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '}' -> push(new LinkedHashMap<>());
                case ']', ')' -> push(new ArrayList<>());
                case '(' -> mark();
                case 'X' -> push(string(in.getInt()));
                case 0x8c -> push(string(in.get() & 0xff));
                case 0x8d -> push(string(intLength(in.getLong())));
                case 'T' -> push(string(in.getInt()));
                case 'U' -> push(string(in.get() & 0xff));
                case 'B' -> push(bytes(in.getInt()));
                case 'C' -> push(bytes(in.get() & 0xff));
                case 0x8e -> push(bytes(intLength(in.getLong())));
                case 'J' -> push((long) in.getInt());
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 0x8a -> push(longN(in.get() & 0xff));
                case 0x8b -> push(longN(in.getInt()));
                case 'G' -> push(readBigDouble());
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(null);
                case 't' -> push(popMark());
                case 0x85 -> push(listOf(pop()));
                case 0x86 -> {
                    Object b = pop();
                    Object a = pop();
                    push(listOf(a, b));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(listOf(a, b, c));
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> kv = popMark();
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i + 1 < kv.size(); i += 2) {
                        d.put(kv.get(i), kv.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object v = pop();
                    appendTarget(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    appendTarget(peek()).addAll(items);
                }
                case 'c' -> push(global(line(), line()));
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    push(global(String.valueOf(module), String.valueOf(name)));
                }
                case 'R' -> {
                    Object args = pop();
                    Object fn = pop();
                    push(reduce(fn, list(args)));
                }
                case 0x81 -> {
                    Object args = pop();
                    push(newObject(pop(), list(args)));
                }
                case 0x92 -> {
                    pop(); // keyword arguments
                    Object args = pop();
                    push(newObject(pop(), list(args)));
                }
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    if (target instanceof PickledObject o) {
                        o.build(state);
                    } else if (!(target instanceof Map)) {
                        throw new IllegalArgumentException(where + ": pickle sets the state of a "
                                + describe(target) + "; refusing it");
                    }
                    // plain dicts: OrderedDict metadata (e.g. a state dict's _metadata) is ignored
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoGet(in.get() & 0xff));
                case 'j' -> push(memoGet(in.getInt() & 0xffffffffL));
                case 'Q' -> push(persistent(pop()));
                case '0' -> pop();
                case '2' -> push(peek());
                case '1' -> popMark();
                case '.' -> {
                    return pop();
                }
                default -> throw new IllegalArgumentException(String.format("%s: unsupported pickle opcode 0x%02x at"
                        + " byte %d", where, op, in.position() - 1));
            }
        }
    }

    private double readBigDouble() {
        byte[] b = new byte[8];
        in.get(b);
        return ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN).getDouble();
    }

    private Object global(String module, String name) {
        String full = module + "." + name;
        if (ALLOWED_FUNCTIONS.contains(full)) {
            return new Global(module, name);
        }
        if (module.equals("torch") && ElementType.fromTorchStorage(name) != null) {
            return new Global(module, name);
        }
        if (inert) {
            return new Global(module, name);
        }
        throw new IllegalArgumentException(where + ": pickle global '" + full + "' is not allowed: a tensor file may"
                + " only reference torch's tensor-rebuild functions, storage types and OrderedDict");
    }

    private Object reduce(Object fn, List<Object> args) {
        if (!(fn instanceof Global g)) {
            throw new IllegalArgumentException(where + ": pickle calls a " + describe(fn) + "; refusing it");
        }
        String full = g.module() + "." + g.name();
        switch (full) {
            case "collections.OrderedDict":
                return new LinkedHashMap<>();
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                if (args.size() < 4 || !(args.get(0) instanceof Storage s)) {
                    throw new IllegalArgumentException(where + ": malformed tensor record " + args);
                }
                return new TensorRef(s, number(args.get(1)), longs(args.get(2)), longs(args.get(3)));
            case "torch._utils._rebuild_parameter":
                if (args.isEmpty() || !(args.get(0) instanceof TensorRef)) {
                    throw new IllegalArgumentException(where + ": malformed parameter record");
                }
                return args.get(0);
            default:
                if (inert) {
                    return inertInstance(g, args);
                }
                throw new IllegalArgumentException(where + ": pickle calls '" + full + "'; refusing it");
        }
    }

    /** NEWOBJ: cls.__new__(cls, *args), as inert data (refused unless inert). */
    private Object newObject(Object cls, List<Object> args) {
        if (!inert || !(cls instanceof Global g)) {
            throw new IllegalArgumentException(where + ": pickle creates an object of " + describe(cls)
                    + ", which a tensor file does not need; refusing it");
        }
        return inertInstance(g, args);
    }

    private Object inertInstance(Global g, List<Object> args) {
        return PickledObject.instance(g.module(), g.name(), args);
    }

    private List<Object> appendTarget(Object o) {
        return o instanceof PickledObject io ? io.items() : list(o);
    }

    private Object persistent(Object pid) {
        List<Object> t = list(pid);
        if (t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global type)) {
            throw new IllegalArgumentException(where + ": unsupported persistent id " + pid);
        }
        ElementType et = ElementType.fromTorchStorage(type.name());
        if (et == null) {
            throw new IllegalArgumentException(where + ": unsupported storage type torch." + type.name());
        }
        return new Storage(String.valueOf(t.get(2)), et, number(t.get(4)));
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        byte b;
        while ((b = in.get()) != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }

    private String string(int n) {
        checkLength(n);
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private byte[] bytes(int n) {
        checkLength(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private int intLength(long n) {
        checkLength(n);
        return (int) n;
    }

    private void checkLength(long n) {
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException(where + ": malformed pickle (a length of " + n + " bytes with "
                    + in.remaining() + " left)");
        }
    }

    private Object longN(int n) {
        checkLength(n);
        byte[] b = new byte[n];
        in.get(b);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private void mark() {
        marks.push(stackList.size());
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw new IllegalArgumentException(where + ": malformed pickle (no mark)");
        }
        int m = marks.pop();
        List<Object> items = new ArrayList<>(stackList.subList(m, stackList.size()));
        while (stackList.size() > m) {
            stackList.remove(stackList.size() - 1);
        }
        return items;
    }

    private void push(Object o) {
        stackList.add(o);
    }

    private Object pop() {
        if (stackList.isEmpty()) {
            throw new IllegalArgumentException(where + ": malformed pickle (stack underflow)");
        }
        return stackList.remove(stackList.size() - 1);
    }

    private Object peek() {
        if (stackList.isEmpty()) {
            throw new IllegalArgumentException(where + ": malformed pickle (empty stack)");
        }
        return stackList.get(stackList.size() - 1);
    }

    private Object memoGet(long k) {
        if (!memo.containsKey(k)) {
            throw new IllegalArgumentException(where + ": malformed pickle (memo " + k + " unset)");
        }
        return memo.get(k);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new IllegalArgumentException(where + ": malformed pickle (expected a dict, got " + describe(o) + ")");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalArgumentException(where + ": malformed pickle (expected a tuple, got " + describe(o) + ")");
    }

    private long number(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException(where + ": malformed pickle (expected an integer, got " + describe(o) + ")");
    }

    private long[] longs(Object o) {
        List<Object> l = list(o);
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(l.get(i));
        }
        return out;
    }

    private static List<Object> listOf(Object... items) {
        List<Object> l = new ArrayList<>();
        for (Object i : items) {
            l.add(i);
        }
        return l;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Global g ? g.module() + "." + g.name()
                : o instanceof PickledObject io ? io.className() : o.getClass().getSimpleName();
    }
}
