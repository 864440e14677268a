package org.symile.app.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link NativeAllocator#discardPages}: whole inner pages read as zeros afterwards, the partial end pages keep. */
class NativeAllocatorTest {
    @Test
    void discardedPagesReadAsZerosAndThePartialEndsKeepTheirValues() {
        assertTrue(NativeAllocator.configure(), "glibc's malloc on this test machine");
        INDArray a = Nd4j.create(DataType.FLOAT, 1 << 20).assign(7);
        long address = a.data().addressPointer().address();
        // from the 3rd float to the 3rd-last: the first and last pages of that range are partial
        assertTrue(NativeAllocator.discardPages(address + 12, (a.length() - 6) * 4));
        int floatsPerPage = 1024;
        int first = (int) (((address + 12 + 4095) / 4096 * 4096 - address) / 4);
        int last = (int) (((address + a.length() * 4 - 12) / 4096 * 4096 - address) / 4);
        assertEquals(7f, a.getFloat(first - 1));
        assertEquals(0f, a.getFloat(first));
        assertEquals(0f, a.getFloat(first + floatsPerPage));
        assertEquals(0f, a.getFloat(last - 1));
        assertEquals(7f, a.getFloat(last));
        assertEquals(7f * (first + a.length() - last), a.sumNumber().doubleValue(), 0.0);
        a.putScalar(first + 5, 3f);
        assertEquals(3f, a.getFloat(first + 5), "a discarded page takes memory again when written");
        assertFalse(NativeAllocator.discardPages(address + 12, 100), "no whole page inside");
    }
}
