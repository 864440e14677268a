package org.symile.samediff.nn;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reusable arrays by data type and shape for {@link EagerTextEncoder}'s passes. Its activations are 32–128 MiB
 * each, above glibc's largest mmap threshold, so every fresh one is mapped and faulted in page by page (measured:
 * 22 ms per 32 MiB, 83 ms per 128 MiB on the development VM, ~2 s of a Symile-M3 step); steps repeat the same
 * shapes, so after the first one every array comes from here. Holds at most what one pass had alive at once.
 * Not thread-safe.
 */
final class Arena {
    private record Key(DataType type, String shape) {
    }

    private final Map<Key, ArrayDeque<INDArray>> free = new HashMap<>();

    /** A c-order array of that shape with unspecified contents. */
    INDArray take(DataType type, long... shape) {
        ArrayDeque<INDArray> q = free.get(new Key(type, Arrays.toString(shape)));
        INDArray a = q == null ? null : q.poll();
        return a != null ? a : Nd4j.createUninitialized(type, shape).detach();
    }

    /** Returns arrays obtained from {@link #take} (nulls ignored); their contents may be overwritten at once. */
    void give(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null) {
                free.computeIfAbsent(new Key(a.dataType(), Arrays.toString(a.shape())), k -> new ArrayDeque<>())
                        .push(a);
            }
        }
    }

    /** Frees every held array. */
    void clear() {
        for (ArrayDeque<INDArray> q : free.values()) {
            for (INDArray a : q) {
                a.close();
            }
        }
        free.clear();
    }
}
