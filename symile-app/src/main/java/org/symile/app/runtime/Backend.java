package org.symile.app.runtime;

import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ND4J backend as the app sees it: which one is active, how many threads it uses. The app is the only module
 * that picks a backend (through the {@code cpu} / {@code cuda} Maven profile); this class reports and tunes it.
 */
public final class Backend {
    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);

    private Backend() {
    }

    /** "CPU" or "CUDA". */
    public static String name() {
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        String backend = p.getProperty("backend");
        return backend == null ? Nd4j.getBackend().getClass().getSimpleName() : backend.toUpperCase();
    }

    /** Whether the CUDA backend is active. */
    public static boolean isCuda() {
        return "CUDA".equalsIgnoreCase(name());
    }

    /**
     * Limits ND4J's element-wise and BLAS thread pools to {@code threads} (≥ 1); 0 leaves the defaults
     * (OMP_NUM_THREADS, else one per core).
     */
    public static void setThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads: expected 0 (default) or a positive count, got " + threads);
        }
        if (threads == 0) {
            return;
        }
        // the native environment only lets the op-level pool shrink; OMP_NUM_THREADS caps it from the start
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.getEnvironment().setMaxThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** Threads ND4J runs ops with (its master pool; BLAS is set to the same count by {@link #setThreads}). */
    public static int threads() {
        return Math.min(Nd4j.getEnvironment().maxThreads(), Nd4j.getEnvironment().maxMasterThreads());
    }

    /** One line describing the backend, for logs and reports. */
    public static String describe() {
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        StringBuilder sb = new StringBuilder(name());
        sb.append(", threads ").append(threads());
        Object blas = p.get("blas.vendor");
        if (blas != null) {
            sb.append(", BLAS ").append(blas);
        }
        String ext = System.getProperty(NativeBuild.PROPERTY, "");
        if (!ext.isEmpty() && !isCuda()) {
            sb.append(", build ").append(ext.substring(1));
        }
        return sb.toString();
    }

    /**
     * Checks the GPU before ND4J's CUDA backend starts (see {@link CudaDevice}), then logs the backend and, on
     * CUDA, each device's name, memory and compute capability.
     *
     * @throws IllegalStateException when the GPU cannot run the ND4J 1.0.0-M2.1 CUDA kernels
     */
    public static void logStartup() {
        if (CudaDevice.cudaBackendOnClasspath()) {
            CudaDevice.requireSupported(CudaDevice.query());
        }
        LOG.info("ND4J backend: {}", describe());
        if (isCuda()) {
            Object devices = Nd4j.getExecutioner().getEnvironmentInformation().get("cuda.devicesInformation");
            if (devices instanceof java.util.List<?> list) {
                for (Object d : list) {
                    if (d instanceof java.util.Map<?, ?> m) {
                        LOG.info("CUDA device: {}, {} MiB, compute capability {}.{}", m.get("cuda.deviceName"),
                                toMb(m.get("cuda.totalMemory")), m.get("cuda.deviceMajor"), m.get("cuda.deviceMinor"));
                    }
                }
            }
        }
    }

    private static Object toMb(Object bytes) {
        return bytes instanceof Number n ? n.longValue() >> 20 : bytes;
    }
}
