package org.symile.app.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the GPU is, asked of {@code nvidia-smi} before ND4J's CUDA backend initialises. The nd4j-cuda-11.6
 * 1.0.0-M2.1 binaries contain kernels for compute capabilities 3.7 to 8.6 and no PTX, so Hopper (9.0: H100,
 * H200) and newer GPUs fail deep inside a kernel launch ("no kernel image is available"); the app refuses them
 * up front instead.
 */
public final class CudaDevice {
    /** Highest compute capability with kernels in nd4j-cuda-11.6 1.0.0-M2.1 (Ampere, sm_86). */
    public static final double MAX_SUPPORTED_CC = 8.6;

    /** One GPU as nvidia-smi reports it. */
    public record Gpu(String name, long memoryMb, String computeCapability) {
    }

    private CudaDevice() {
    }

    /** Whether the CUDA backend is on the classpath (the app was built with {@code -Pcuda}). */
    public static boolean cudaBackendOnClasspath() {
        try {
            Class.forName("org.nd4j.linalg.jcublas.JCublasBackend", false, CudaDevice.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** The GPUs nvidia-smi lists; empty when it is missing or fails. */
    public static List<Gpu> query() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,memory.total,compute_cap",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            return parse(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Parses {@code name, memory MiB, compute capability} lines. */
    static List<Gpu> parse(String csv) {
        List<Gpu> out = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] f = line.split(",");
            if (f.length < 3) {
                continue;
            }
            try {
                out.add(new Gpu(f[0].trim(), Long.parseLong(f[1].trim()), f[2].trim()));
            } catch (NumberFormatException e) {
                // not a data line (an error message)
            }
        }
        return out;
    }

    /**
     * Throws when a listed GPU is newer than the CUDA kernels ND4J ships.
     *
     * @throws IllegalStateException naming the GPU and suggesting the CPU backend
     */
    public static void requireSupported(List<Gpu> gpus) {
        for (Gpu g : gpus) {
            double cc;
            try {
                cc = Double.parseDouble(g.computeCapability());
            } catch (NumberFormatException e) {
                continue;
            }
            if (cc > MAX_SUPPORTED_CC + 1e-9) {
                throw new IllegalStateException(g.name() + " has compute capability " + g.computeCapability()
                        + ", but the ND4J 1.0.0-M2.1 CUDA binaries stop at " + MAX_SUPPORTED_CC + " (sm_86, no PTX):"
                        + " its kernels cannot run on this GPU. Rebuild with the CPU backend (the default:"
                        + " mvn install -DskipTests, without -Pcuda) or use a GPU of compute capability 3.7-8.6");
            }
        }
    }
}
