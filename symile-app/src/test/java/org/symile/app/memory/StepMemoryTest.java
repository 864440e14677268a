package org.symile.app.memory;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The step estimate in both modes and the refusal's advice: a plain batch that does not fit is told the largest
 * micro-batch that trains it, a micro-batched one the largest micro-batch that fits. Limits are set relative to
 * this process's resident memory, with margins far larger than it moves while the test runs.
 */
class StepMemoryTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    /** 1 GiB per encoded row, 4 MiB per pair in a plain step; cached: 1 MiB per row, no fixed or pair terms. */
    private static final StepMemory STEP = new StepMemory(0, GIB, 4 * MIB, 0, MIB, 0, 2);

    @Test
    void bothModesAddUpTheirTerms() {
        StepMemory s = new StepMemory(10, 100, 1, 1000, 7, 2, 1);
        assertEquals(10 + 100 * 5 + 25, s.bytes(5));
        assertEquals(10 + 100 * 5 + 25, s.bytes(5, 0));
        assertEquals(10 + 1000 + 100 * 2 + 7 * 5 + 2 * 25, s.bytes(5, 2));
        // ofTraining: the activations times the overhead, the O(N²) products, the cached step's own terms
        StepMemory t = StepMemory.ofTraining(1000, 80, 64, 3, 16, 4, 400, true);
        assertEquals((long) (1000 * StepMemory.ACTIVATION_OVERHEAD), t.perRowBytes());
        assertEquals(80, t.fixedBytes());
        assertEquals(StepMemory.N_SQUARED_PRODUCTS * 64, t.perRowSquaredBytes());
        assertEquals(800, t.cachedFixedBytes());
        assertEquals((4 * 3 + 3) * 16 * 4, t.cachedPerRowBytes());
        assertEquals(2, t.minMicroRows());
        assertEquals(1, StepMemory.ofTraining(1000, 80, 64, 3, 16, 4, 400, false).minMicroRows());
    }

    private static IllegalArgumentException refusal(long limitBytes, Executable call) {
        String before = System.getProperty(MemoryBudget.LIMIT_PROPERTY);
        System.setProperty(MemoryBudget.LIMIT_PROPERTY, String.valueOf(limitBytes / MIB));
        try {
            return assertThrows(IllegalArgumentException.class, call);
        } finally {
            if (before == null) {
                System.clearProperty(MemoryBudget.LIMIT_PROPERTY);
            } else {
                System.setProperty(MemoryBudget.LIMIT_PROPERTY, before);
            }
        }
    }

    @Test
    void aPlainBatchThatDoesNotFitIsToldTheMicroBatchThatTrainsIt() {
        // 8 GiB over what the process holds: plain B 280 needs 280 GiB + 306 GiB; cached N rows: N GiB + 280 MiB
        long limit = NativeMemoryGuard.residentBytes() + 8 * GIB;
        String m = refusal(limit, () -> STEP.requireFits("--batch_sz_train", 280, 0, "a test step")).getMessage();
        assertTrue(m.startsWith("--batch_sz_train 280: a test step of 280 rows needs about"), m);
        assertTrue(m.contains("the largest that fits is about 7 (use --batch_sz_train 7 or fewer); or keep"
                + " --batch_sz_train 280 (its negatives) and encode it 7 rows at a time with --micro_batch_sz 7"
                + " (gradient caching, about"), m);
    }

    @Test
    void aMicroBatchThatDoesNotFitIsToldTheLargestThatDoes() {
        long limit = NativeMemoryGuard.residentBytes() + 8 * GIB;
        String m = refusal(limit, () -> STEP.requireFits("--batch_sz_train", 280, 28, "a test step")).getMessage();
        assertTrue(m.startsWith("--micro_batch_sz 28: a test step of 280 rows encoded 28 at a time needs about"), m);
        assertTrue(m.endsWith("the largest micro-batch that fits is about 7 (use --micro_batch_sz 7 or fewer)"), m);
        String none = refusal(NativeMemoryGuard.residentBytes() + GIB, () -> STEP.requireFits("--batch_sz_train", 280,
                28, "a test step")).getMessage();
        assertTrue(none.contains("not even micro-batches of 2 rows fit"), none);
    }

    @Test
    void aStepThatFitsPasses() {
        String before = System.getProperty(MemoryBudget.LIMIT_PROPERTY);
        System.setProperty(MemoryBudget.LIMIT_PROPERTY, String.valueOf((NativeMemoryGuard.residentBytes()
                + 8 * GIB) / MIB));
        try {
            assertDoesNotThrow(() -> STEP.requireFits("--batch_sz_train", 280, 6, "a test step"));
        } finally {
            if (before == null) {
                System.clearProperty(MemoryBudget.LIMIT_PROPERTY);
            } else {
                System.setProperty(MemoryBudget.LIMIT_PROPERTY, before);
            }
        }
    }
}
