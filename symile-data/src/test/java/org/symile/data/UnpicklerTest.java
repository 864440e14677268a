package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The restricted unpickler on pickles written by CPython's own pickle module ({@code fixtures/make_pickles.py}):
 * plain values in protocols 2, 4 and 5, shared references, OrderedDicts, torch's tensor records, and the refusal of
 * code (a pickled {@code os.system} call) unless it is read as inert data.
 */
class UnpicklerTest {

    private static byte[] pickle(String name) {
        try {
            return Files.readAllBytes(Fixtures.path("pickles/" + name + ".pkl"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object load(String name) {
        return Unpickler.load(pickle(name), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain_p2", "plain_p4", "plain_p5"})
    void plainValuesInEveryProtocol(String name) {
        Map<Object, Object> expected = new LinkedHashMap<>();
        expected.put("a", 1L);
        expected.put("neg", -2L);
        expected.put("u16", 65535L);
        expected.put("big", 1L << 40);
        expected.put("neg_big", -(1L << 40));
        expected.put("f", 1.5);
        expected.put("s", "h\u00e9llo");
        expected.put("t", List.of(1L, 2L, 3L));
        expected.put("pair", List.of(4L, 5L));
        expected.put("single", List.of(6L));
        expected.put("empty", List.of());
        expected.put("l", Arrays.asList(true, false, null));
        expected.put("nested", Map.of("x", List.of(1.0, -0.25)));
        Object got = load(name);
        assertEquals(expected, got);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(((Map<?, ?>) got).keySet()), "key order");
    }

    @Test
    void bytesSharedReferencesAndOrderedDicts() {
        Map<?, ?> b = (Map<?, ?>) load("bytes_p4");
        assertArrayEquals(new byte[] {0, 1}, (byte[]) b.get("b"));
        assertEquals(300, ((byte[]) b.get("long")).length);
        Map<?, ?> shared = (Map<?, ?>) load("shared_p2");
        assertEquals(List.of(1L, 2L), shared.get("p"));
        assertSame(shared.get("p"), shared.get("q"), "one list referenced twice stays one object");
        Map<?, ?> ordered = (Map<?, ?>) load("ordered_p2");
        assertEquals(List.of("w", "a"), new ArrayList<>(ordered.keySet()));
        assertEquals(2L, ordered.get("a"));
    }

    @Test
    void torchsTensorRecordBecomesAReferenceToItsStorage() {
        Map<?, ?> sd = (Map<?, ?>) load("tensor_p2");
        Unpickler.TensorRef t = assertInstanceOf(Unpickler.TensorRef.class, sd.get("w"));
        assertEquals(new Unpickler.Storage("0", ElementType.FLOAT32, 8), t.storage());
        assertEquals(2, t.offset());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertArrayEquals(new long[] {3, 1}, t.stride());
    }

    @Test
    void codeIsRefusedOrKeptAsInertData() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load("evil_p2"));
        assertEquals("evil_p2: pickle global 'posix.system' is not allowed: a tensor file may only reference torch's"
                + " tensor-rebuild functions, storage types and OrderedDict", e.getMessage());
        PickledObject call = assertInstanceOf(PickledObject.class, Unpickler.load(pickle("evil_p2"), "evil", true));
        assertEquals("posix.system", call.className());
        assertEquals(List.of("echo pwned"), call.args());

        PickledObject ns = assertInstanceOf(PickledObject.class, Unpickler.load(pickle("namespace_p2"), "ns", true));
        assertEquals("argparse.Namespace", ns.className());
        assertEquals(Map.of("lr", 0.1, "name", "run"), new LinkedHashMap<>(ns));
        assertEquals("/data/m3", Unpickler.load(pickle("path_p2"), "path", true));
        assertThrows(IllegalArgumentException.class, () -> load("namespace_p2"));
    }

    @Test
    void malformedDataIsRefusedNamingWhereItCameFrom() {
        assertEquals("truncated_p2: truncated pickle data",
                assertThrows(IllegalArgumentException.class, () -> load("truncated_p2")).getMessage());
        IllegalArgumentException p0 = assertThrows(IllegalArgumentException.class, () -> load("protocol0"));
        assertTrue(p0.getMessage().startsWith("protocol0: unsupported pickle opcode 0x"), p0.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Unpickler.load(new byte[] {(byte) 0x80, 2, 't'},
                "m")).getMessage().startsWith("m: malformed pickle (no mark)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Unpickler.load(new byte[] {(byte) 0x80, 2, 'h',
                7, '.'}, "m")).getMessage().startsWith("m: malformed pickle (memo 7 unset)"));
    }
}
