package org.symile.app.runtime;

/**
 * Picks which libnd4j build JavaCPP loads, before ND4J starts. The app ships the {@code -onednn} build of the CPU
 * backend (oneDNN's convolution, batch-norm and pooling kernels, chosen for the host's instruction set at run
 * time), whose natives live under {@code linux-x86_64-onednn}; JavaCPP looks there only when the system property
 * {@value #PROPERTY} names the extension. A value the user set is kept; with another backend on the classpath
 * (CUDA) nothing is set.
 */
public final class NativeBuild {
    /** JavaCPP's platform-extension property. */
    public static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";

    private static final String[] EXTENSIONS = {"-onednn"};

    private NativeBuild() {
    }

    /** Sets {@value #PROPERTY} to the first extension whose natives are on the classpath; returns it (or null). */
    public static synchronized String select() {
        String set = System.getProperty(PROPERTY);
        if (set != null) {
            return set;
        }
        String platform = System.getProperty("os.name", "").toLowerCase().contains("linux")
                && System.getProperty("os.arch", "").matches("amd64|x86_64") ? "linux-x86_64" : null;
        if (platform == null) {
            return null;
        }
        for (String ext : EXTENSIONS) {
            String dir = "/org/nd4j/linalg/cpu/nativecpu/bindings/" + platform + ext + "/";
            if (NativeBuild.class.getResource(dir) != null) {
                System.setProperty(PROPERTY, ext);
                return ext;
            }
        }
        return null;
    }
}
