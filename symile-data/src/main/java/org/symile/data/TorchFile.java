package org.symile.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A {@code torch.save} archive (the zip format of torch ≥ 1.6): a single tensor, or a dict / OrderedDict of
 * tensors such as a state dict. Tensors honour their storage offset and strides (a saved transposed or sliced
 * view comes out with the right values) and their data is memory-mapped from the archive, so large split
 * tensors are read a row range at a time. Dtypes: float16/32/64, bfloat16, int8/16/32/64, uint8, bool.
 *
 * <p>The pickle inside is read by a restricted unpickler that only builds tensors and plain collections and
 * rejects every other global, so opening a .pt file cannot execute code. Legacy (pre-1.6, non-zip) files are
 * rejected with a message saying how to re-save them.
 */
public final class TorchFile implements AutoCloseable {
    private final Path file;
    private final Object root;
    private final List<MappedRegion> regions;

    private TorchFile(Path file, Object root, List<MappedRegion> regions) {
        this.file = file;
        this.root = root;
        this.regions = regions;
    }

    /**
     * Opens an archive of tensors (a tensor, a state dict, nested dicts and lists) and resolves them (data stays
     * mapped, not read). Any other class in the pickle is refused.
     *
     * @throws IllegalArgumentException naming the file when it is not a readable torch.save archive
     */
    public static TorchFile open(Path file) {
        return open(file, false);
    }

    /**
     * Opens any torch.save archive, e.g. a PyTorch Lightning checkpoint: objects of classes this reader does not
     * know (Lightning's AttributeDict, argparse's Namespace, ...) become inert maps of what the pickle put into
     * them, {@code pathlib} paths their strings. No pickle code is ever run, in either mode.
     *
     * @throws IllegalArgumentException naming the file when it is not a readable torch.save archive
     */
    public static TorchFile openAny(Path file) {
        return open(file, true);
    }

    private static TorchFile open(Path file, boolean inert) {
        try {
            return read(file, inert);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + what(e.getCause()), e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new IllegalArgumentException(file + ": corrupt torch.save archive (" + what(e) + ")", e);
        }
    }

    private static TorchFile read(Path file, boolean inert) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        try {
            byte[] head = new byte[4];
            try (InputStream in = Files.newInputStream(file)) {
                if (in.readNBytes(head, 0, 4) < 2) {
                    throw new IllegalArgumentException(file + ": empty or too short to be a torch.save file");
                }
            }
            if (head[0] != 'P' || head[1] != 'K') {
                if ((head[0] & 0xff) == 0x80) {
                    throw new IllegalArgumentException(file + ": legacy (pre-zip) torch.save format is not supported;"
                            + " re-save it with torch>=1.6: torch.save(torch.load(path), path)");
                }
                throw new IllegalArgumentException(file + ": not a torch.save archive (no zip signature)");
            }
            Map<String, ZipIndex.Entry> entries = ZipIndex.read(file);
            String pkl = null;
            for (String name : entries.keySet()) {
                if (name.endsWith("/data.pkl") || name.equals("data.pkl")) {
                    pkl = name;
                    break;
                }
            }
            if (pkl == null) {
                throw new IllegalArgumentException(file + ": zip archive without data.pkl: not a torch.save file");
            }
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            boolean little = true;
            ZipIndex.Entry bo = entries.get(prefix + "byteorder");
            try (ZipFile zip = new ZipFile(file.toFile())) {
                if (bo != null) {
                    little = !"big".equals(new String(readEntry(zip, bo.name()), StandardCharsets.US_ASCII).trim());
                }
                byte[] pickle = readEntry(zip, pkl);
                Object obj = Unpickler.load(pickle, file.toString(), inert);
                List<MappedRegion> regions = new ArrayList<>();
                Map<String, MappedRegion> byKey = new HashMap<>();
                Object root = resolve(obj, file, prefix, entries, little, regions, byKey);
                return new TorchFile(file, root, regions);
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(file + ": corrupt zip archive (" + what(e) + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + what(e) + ")", e);
        }
    }

    /** An exception's class and message, for messages (some JDK exceptions have none). */
    private static String what(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }

    private static byte[] readEntry(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new IllegalArgumentException(zip.getName() + ": the zip's own directory has no entry " + name
                    + " (corrupt archive)");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static Object resolve(Object o, Path file, String prefix, Map<String, ZipIndex.Entry> entries,
                                  boolean little, List<MappedRegion> regions, Map<String, MappedRegion> byKey)
            throws IOException {
        if (o instanceof Unpickler.TensorRef t) {
            String key = t.storage().key();
            MappedRegion region = byKey.get(key);
            if (region == null) {
                ZipIndex.Entry e = entries.get(prefix + "data/" + key);
                if (e == null) {
                    throw new IllegalArgumentException(file + ": storage data/" + key + " missing from the archive");
                }
                if (!e.stored()) {
                    throw new IllegalArgumentException(file + ": storage data/" + key + " is compressed; torch.save"
                            + " stores tensor data uncompressed");
                }
                region = new MappedRegion(file, e.dataOffset(), e.size());
                regions.add(region);
                byKey.put(key, region);
            }
            return new StridedTensor(file + ":" + key, region, false, t.storage().type(), little, t.offset(),
                    t.shape(), t.stride());
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = m instanceof PickledObject p ? new PickledObject(p.className(), p.args())
                    : new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), resolve(e.getValue(), file, prefix, entries, little, regions,
                        byKey));
            }
            return out;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) {
                out.add(resolve(x, file, prefix, entries, little, regions, byKey));
            }
            return out;
        }
        return o;
    }

    public Path file() {
        return file;
    }

    /**
     * The saved object: a {@link TensorSource}, a map (string keys; a {@link PickledObject} for an unknown class
     * read by {@link #openAny}), a list, a string, a number, a boolean, bytes or null.
     */
    public Object root() {
        return root;
    }

    /**
     * The saved tensor.
     *
     * @throws IllegalArgumentException if the file holds something else
     */
    public TensorSource tensor() {
        if (root instanceof TensorSource t) {
            return t;
        }
        throw new IllegalArgumentException(file + ": expected a single tensor, found " + describe(root));
    }

    /**
     * Every tensor of a (possibly nested) dict, keys joined with '.' as in a state dict.
     *
     * @throws IllegalArgumentException if the file holds no dict
     */
    public Map<String, TensorSource> tensors() {
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(file + ": expected a dict of tensors, found " + describe(root));
        }
        Map<String, TensorSource> out = new LinkedHashMap<>();
        flatten("", m, out);
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, TensorSource> out) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix + e.getKey();
            if (e.getValue() instanceof TensorSource t) {
                out.put(k, t);
            } else if (e.getValue() instanceof Map<?, ?> sub) {
                flatten(k + ".", sub, out);
            }
        }
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Map ? "a dict" : o instanceof List ? "a list/tuple"
                : o.getClass().getSimpleName();
    }

    @Override
    public void close() {
        for (MappedRegion r : regions) {
            try {
                r.close();
            } catch (IOException e) {
                // read-only mapping
            }
        }
    }
}
