package org.symile.app.memory;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.symile.app.memory.MemoryBudget;

class MemoryBudgetTest {
    private static final long MIB = 1L << 20;
    /** 1 GiB fixed, 100 MiB per row, 1 MiB per pair of rows. */
    private static final LongUnaryOperator STEP = b -> 1024 * MIB + 100 * MIB * b + MIB * b * b;

    @Test
    void aBatchThatFitsPasses() {
        MemoryBudget.Limit limit = new MemoryBudget.Limit(4096 * MIB, "test");
        assertDoesNotThrow(() -> MemoryBudget.requireFits("--batch_sz_train", 24, STEP, "a step", limit));
    }

    @Test
    void refusalGivesTheEstimateTheBudgetAndTheLargestBatchThatFits() {
        // 1024 + 100·B + B² MiB <= 4096 MiB exactly for B <= 24 (24: 4000, 25: 4149)
        MemoryBudget.Limit limit = new MemoryBudget.Limit(4096 * MIB, "the cgroup's memory limit");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryBudget.requireFits("--batch_sz_train", 280, STEP, "a symile_mimic training step", limit));
        String m = e.getMessage();
        assertTrue(m.startsWith("--batch_sz_train 280: a symile_mimic training step of 280 rows needs about 104.9 GiB"),
                m);
        assertTrue(m.contains("4.0 GiB") && m.contains("the cgroup's memory limit"), m);
        assertTrue(m.contains("the largest that fits is about 24 (use --batch_sz_train 24 or fewer)"), m);
        assertTrue(STEP.applyAsLong(24) <= limit.bytes() && STEP.applyAsLong(25) > limit.bytes());
    }

    @Test
    void saysSoWhenNotEvenOneRowFits() {
        MemoryBudget.Limit limit = new MemoryBudget.Limit(512 * MIB, "test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryBudget.requireFits("--batch_sz_train", 4, STEP, "a step", limit));
        assertTrue(e.getMessage().contains("not even a batch of 1 fits"), e.getMessage());
    }

    @Test
    void explicitLimitWinsAndIsValidated() {
        String before = System.getProperty(MemoryBudget.LIMIT_PROPERTY);
        try {
            System.setProperty(MemoryBudget.LIMIT_PROPERTY, "3");
            MemoryBudget.Limit l = MemoryBudget.current();
            assertEquals(3 * MIB, l.bytes());
            assertEquals("-D" + MemoryBudget.LIMIT_PROPERTY, l.source());
            System.setProperty(MemoryBudget.LIMIT_PROPERTY, "lots");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, MemoryBudget::current);
            assertTrue(e.getMessage().contains(MemoryBudget.LIMIT_PROPERTY) && e.getMessage().contains("lots"));
            System.setProperty(MemoryBudget.LIMIT_PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, MemoryBudget::current);
        } finally {
            if (before == null) {
                System.clearProperty(MemoryBudget.LIMIT_PROPERTY);
            } else {
                System.setProperty(MemoryBudget.LIMIT_PROPERTY, before);
            }
        }
    }

    @Test
    void machineBudgetIsKnownOnLinux() {
        MemoryBudget.Limit l = MemoryBudget.current();
        assertTrue(l.bytes() > 64 * MIB && l.bytes() < Long.MAX_VALUE, l.toString());
    }

    @Test
    void readsJavacppSizes() {
        assertEquals(3L << 30, MemoryBudget.parseJavacppSize("3g"));
        assertEquals(512L << 20, MemoryBudget.parseJavacppSize("512M"));
        assertEquals(1000, MemoryBudget.parseJavacppSize("1000"));
        assertEquals(-1, MemoryBudget.parseJavacppSize("50%"));
        assertEquals(-1, MemoryBudget.parseJavacppSize("x"));
    }
}
