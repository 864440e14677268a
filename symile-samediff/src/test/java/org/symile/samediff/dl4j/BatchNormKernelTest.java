package org.symile.samediff.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float32 batch-norm passes ({@link BatchNormBackward}, {@link BatchNormStats}) against the same passes in
 * double, the Vector API kernel against the scalar one, and the results' independence of the thread count. Rows of
 * 37·41 = 1517 values cross a {@link BatchNormKernel#BLOCK} and leave a tail for any vector width.
 */
class BatchNormKernelTest {
    private static final long[] SHAPE = {3, 5, 37, 41};

    /** Values with channel k centred at 3k − 4, spread 0.5 + k/4. */
    private static INDArray activations(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, SHAPE);
        double[] v = new double[(int) x.length()];
        int hw = (int) (SHAPE[2] * SHAPE[3]);
        for (int i = 0; i < v.length; i++) {
            int k = (int) (i / hw % SHAPE[1]);
            v[i] = 3 * k - 4 + (0.5 + k / 4.0) * (random.nextDouble() * 2 - 1);
        }
        return Nd4j.createFromArray(v).reshape(SHAPE).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
    }

    private static double[] moments(INDArray x, boolean variance) {
        INDArray mean = Nd4j.create(x.dataType(), SHAPE[1]);
        INDArray var = Nd4j.create(x.dataType(), SHAPE[1]);
        BatchNormStats.moments(x, mean, var);
        return (variance ? var : mean).castTo(DataType.DOUBLE).toDoubleVector();
    }

    private static void assertClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * scale, what + " [" + i + "]");
        }
    }

    @Test
    void floatStatisticsMatchDoubleOnes() {
        INDArray x = activations(1);
        double[] mean = moments(x, false);
        double[] var = moments(x, true);
        assertClose(mean, moments(x.castTo(DataType.FLOAT), false), 1e-6, "mean");
        assertClose(var, moments(x.castTo(DataType.FLOAT), true), 1e-5, "variance");
        assertEquals(-4, mean[0], 0.02);
        assertEquals(0.25 / 3, var[0], 0.005);
    }

    /** dx, dγ, dβ of one backward pass of x in the given type, as doubles. */
    private static double[][] backward(INDArray x, INDArray g, boolean relu) {
        double[] mean = moments(x.castTo(DataType.DOUBLE), false);
        double[] var = moments(x.castTo(DataType.DOUBLE), true);
        double[] gamma = {0.7, -1.2, 1.5, 0.3, 1.0};
        double[] beta = {0.1, 0.4, -0.3, 0.0, 0.2};
        INDArray dx = Nd4j.create(x.dataType(), SHAPE);
        double[] dGamma = new double[5];
        double[] dBeta = new double[5];
        BatchNormBackward.run(x, g, mean, var, gamma, beta, 1e-5, relu, dx, dGamma, dBeta);
        return new double[][] {dx.castTo(DataType.DOUBLE).reshape(dx.length()).toDoubleVector(), dGamma, dBeta};
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void floatBackwardMatchesDoubleWithinRounding(boolean relu) {
        INDArray x = activations(2);
        INDArray g = activations(3).subi(2);
        double[][] exact = backward(x, g, relu);
        double[][] single = backward(x.castTo(DataType.FLOAT), g.castTo(DataType.FLOAT), relu);
        assertClose(exact[0], single[0], 1e-6, "dx");
        assertClose(exact[1], single[1], 1e-5, "dgamma");
        assertClose(exact[2], single[2], 1e-5, "dbeta");
        double[] other = backward(x, g, !relu)[2];
        assertTrue(Math.abs(other[0] - exact[2][0]) > 1, "the ReLU changes dbeta: " + other[0] + " " + exact[2][0]);
    }

    @Test
    void vectorKernelComputesTheScalarKernelsValues() {
        BatchNormKernel vector = BatchNormKernel.best();
        assertNotSame(BatchNormKernel.SCALAR, vector, "the test JVM runs with jdk.incubator.vector");
        SplittableRandom random = new SplittableRandom(4);
        int n = 2 * BatchNormKernel.BLOCK + 13;
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
            g[i] = (float) random.nextGaussian();
        }
        for (boolean relu : new boolean[] {false, true}) {
            double[] a = new double[2];
            double[] b = new double[2];
            BatchNormKernel.SCALAR.sums(x, g, n, 0.1f, 1.3f, -0.2f, relu, a);
            vector.sums(x, g, n, 0.1f, 1.3f, -0.2f, relu, b);
            assertArrayEquals(a, b, 1e-4);
            float[] ga = g.clone();
            float[] gb = g.clone();
            BatchNormKernel.SCALAR.gradient(x, ga, n, 0.1f, 1.3f, -0.2f, relu, 0.05f, 0.3f);
            vector.gradient(x, gb, n, 0.1f, 1.3f, -0.2f, relu, 0.05f, 0.3f);
            assertArrayEquals(ga, gb, "same float operations, same bits");
        }
        assertEquals(BatchNormKernel.SCALAR.sum(x, n), vector.sum(x, n), 1e-4);
        assertEquals(BatchNormKernel.SCALAR.squaredDeviations(x, n, 0.5f), vector.squaredDeviations(x, n, 0.5f),
                1e-3);
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        INDArray x = activations(5).castTo(DataType.FLOAT);
        INDArray g = activations(6).castTo(DataType.FLOAT);
        int threads = Nd4j.getEnvironment().maxThreads();
        double[][] one;
        double[][] three;
        double[] var1;
        double[] var3;
        try {
            Nd4j.getEnvironment().setMaxThreads(1);
            one = backward(x, g, true);
            var1 = moments(x, true);
            Nd4j.getEnvironment().setMaxThreads(3);
            three = backward(x, g, true);
            var3 = moments(x, true);
        } finally {
            Nd4j.getEnvironment().setMaxThreads(threads);
        }
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(one[i], three[i]);
        }
        assertArrayEquals(var1, var3);
    }
}
