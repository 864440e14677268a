package org.symile.app.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CudaDeviceTest {

    @Test
    void parsesNvidiaSmiAndRefusesHopper() {
        List<CudaDevice.Gpu> gpus = CudaDevice.parse("NVIDIA H100 80GB HBM3, 81559, 9.0\n");
        assertEquals(1, gpus.size());
        assertEquals(81559, gpus.get(0).memoryMb());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaDevice.requireSupported(gpus));
        assertTrue(e.getMessage().contains("H100") && e.getMessage().contains("9.0")
                && e.getMessage().contains("CPU backend"), e.getMessage());
    }

    @Test
    void acceptsAmpereAndOlderAndIgnoresNoise() {
        assertDoesNotThrow(() -> CudaDevice.requireSupported(CudaDevice.parse(
                "NVIDIA A100-SXM4-40GB, 40960, 8.0\nNVIDIA GeForce RTX 3090, 24576, 8.6\nTesla K80, 11441, 3.7\n")));
        assertTrue(CudaDevice.parse("NVIDIA-SMI has failed because it couldn't communicate\n").isEmpty());
        assertFalse(CudaDevice.cudaBackendOnClasspath(), "the test build uses the CPU backend");
    }
}
