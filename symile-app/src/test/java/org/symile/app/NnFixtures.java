package org.symile.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.data.NpyFile;

/** The network fixtures written by torchvision and plain torch ({@code src/test/resources/nnfixtures/}). */
public final class NnFixtures {
    private NnFixtures() {
    }

    /** The fixture file {@code name}. */
    public static Path fixture(String name) {
        try {
            return Path.of(NnFixtures.class.getResource("/nnfixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fixture .npy file in DOUBLE. */
    public static INDArray npy(String name) {
        try (NpyFile f = NpyFile.open(fixture(name))) {
            return f.read().castTo(DataType.DOUBLE);
        }
    }

    /** Element by element within {@code tol} relative to max(1, |expected|). */
    public static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double[] e = expected.reshape(expected.length()).toDoubleVector();
        double[] a = actual.castTo(DataType.DOUBLE).reshape(actual.length()).toDoubleVector();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * Math.max(1, Math.abs(e[i])), what + "[" + i + "]");
        }
    }
}
