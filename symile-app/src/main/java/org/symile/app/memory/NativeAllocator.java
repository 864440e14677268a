package org.symile.app.memory;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tunes glibc's malloc, which ND4J's native buffers come from, so that freed buffers stay in the process and are
 * reused instead of being handed back to the kernel and faulted in again (zeroed page by page) on the next step.
 * On virtual machines a page fault costs ~10 µs; a training step that allocates 100 MB of fresh pages loses a
 * large part of its time that way. Buffers up to 32 MiB (glibc's maximum mmap threshold) come from the heap and
 * up to 1 GiB of free heap is kept. Elsewhere (no glibc) this does nothing.
 *
 * <p>It also switches off JavaCPP's physical-memory limit (unless {@value #JAVACPP_MAX_PHYSICAL} is set): with a
 * limit, JavaCPP reads the resident size from /proc for every native pointer it registers, which profiling showed
 * as ~4% of a binary_xor training step. {@link NativeMemoryGuard} bounds the resident size instead.
 */
public final class NativeAllocator {
    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;

    static final String JAVACPP_MAX_PHYSICAL = "org.bytedeco.javacpp.maxPhysicalBytes";

    private static volatile boolean configured;

    /** glibc's {@code mallopt}. */
    interface CLibrary extends Library {
        int mallopt(int param, int value);

        int malloc_trim(long pad);

        int madvise(Pointer addr, long length, int advice);

        int getpagesize();
    }

    private static final int MADV_DONTNEED = 4;

    private static volatile CLibrary libc;

    private NativeAllocator() {
    }

    /** Applies the settings once per process, before ND4J loads; returns whether glibc accepted them. */
    public static synchronized boolean configure() {
        if (configured) {
            return true;
        }
        if (System.getProperty(JAVACPP_MAX_PHYSICAL) == null) {
            System.setProperty(JAVACPP_MAX_PHYSICAL, "0");
        }
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")
                || Boolean.getBoolean("symile.keep_malloc_defaults")) {
            return false;
        }
        try {
            CLibrary c = (CLibrary) Native.loadLibrary("c", CLibrary.class);
            libc = c;
            boolean ok = c.mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
            ok &= c.mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
            ok &= c.mallopt(M_TOP_PAD, 64 << 20) == 1;
            configured = ok;
            LOG.debug("malloc tuned for buffer reuse: {}", ok);
            return ok;
        } catch (LinkageError | RuntimeException e) {
            LOG.debug("malloc left at its defaults: {}", e.toString());
            return false;
        }
    }

    /**
     * Hands the free memory inside malloc's heaps back to the kernel ({@code malloc_trim(0)}, which also releases
     * free pages in the middle of every arena). Costs page faults when the memory is used again, so call it only
     * between large steps. Returns whether anything was released; false where glibc was not configured.
     */
    public static boolean releaseFreeMemory() {
        CLibrary c = libc;
        if (c == null) {
            return false;
        }
        try {
            return c.malloc_trim(0) == 1;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /**
     * Gives the kernel back the whole pages inside [address, address + bytes) ({@code madvise(MADV_DONTNEED)}): the
     * memory stays the caller's, reads as zeros afterwards and takes memory again page by page as it is written.
     * For a buffer whose contents are dead until it is next overwritten (the flattened gradient between an
     * optimizer step and the next backward pass, which writes the early layers' gradients last, when most
     * activations are gone: PyTorch's {@code zero_grad(set_to_none=True)} has the same effect). The partial pages
     * at either end are left alone. Returns whether pages were released; false where glibc was not configured.
     */
    public static boolean discardPages(long address, long bytes) {
        CLibrary c = libc;
        if (c == null || bytes <= 0) {
            return false;
        }
        try {
            long page = c.getpagesize();
            long start = (address + page - 1) / page * page;
            long end = (address + bytes) / page * page;
            return end > start && c.madvise(new Pointer(start), end - start, MADV_DONTNEED) == 0;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
