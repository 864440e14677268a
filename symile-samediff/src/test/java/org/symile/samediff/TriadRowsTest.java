package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API row kernel of GRAM and TRIANGLE gives the scalar kernel's values, at widths with and without a
 * scalar tail, with degenerate pairs (det 0 and det just below the floor) among them: element by element to the bit
 * where both evaluate the same expression (scores, weights, the backward pass's products and entries), and to
 * rounding where they sum in another order or the vector kernel's exp polynomial stands in for Math.exp.
 */
class TriadRowsTest {
    @ParameterizedTest
    @CsvSource({"true,64", "true,37", "false,64", "false,37"})
    void theVectorKernelEqualsTheScalarKernel(boolean gram, int b) {
        TriadRows vector = TriadRows.best();
        assertNotSame(TriadRows.SCALAR, vector, "the test JVM runs with jdk.incubator.vector");
        Random r = new Random(b + (gram ? 1 : 0));
        double[] p1 = gaussians(r, b * b, 0.4);
        double[] p2 = gaussians(r, b * b, 0.4);
        double[] c11 = new double[b];
        double[] c22 = new double[b];
        double[] c12 = gaussians(r, b, 0.3);
        for (int j = 0; j < b; j++) {
            c11[j] = 0.5 + r.nextDouble();
            c22[j] = 0.5 + r.nextDouble();
        }
        // pair (0, 3): P1 = P2 = c12 = 0 and α = 0, so det = 0 (below the floor); pair (1, 5): det exactly 1e-9
        p1[3] = 0;
        p2[3] = 0;
        c12[3] = 0;
        double[] alphas = new double[b];
        for (int i = 0; i < b; i++) {
            alphas[i] = 0.5 + r.nextDouble();
        }
        alphas[0] = 0;
        p1[b + 5] = 0;
        p2[b + 5] = 0;
        c12[5] = 0;
        alphas[1] = 1e-9 / (c11[5] * c22[5]);
        double[][] logits = new double[2][b * b];
        double[][] colMax = new double[2][b];
        double[][] colTot = new double[2][b];
        java.util.Arrays.fill(colMax[0], Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(colMax[1], Double.NEGATIVE_INFINITY);
        TriadRows[] kernels = {TriadRows.SCALAR, vector};
        for (int i = 0; i < b; i++) {
            double[] rm = new double[2];
            for (int k = 0; k < 2; k++) {
                rm[k] = kernels[k].scores(gram, alphas[i], 1.7, p1, p2, i * b, c11, c22, c12, logits[k], colMax[k],
                        colTot[k], b);
            }
            assertEquals(rm[0], rm[1], 0.0, "row maximum");
        }
        assertArrayEquals(logits[0], logits[1], 0.0, "logits");
        assertArrayEquals(colMax[0], colMax[1], 0.0, "column maxima");
        assertArrayEquals(colTot[0], colTot[1], 0.0, "column totals");
        double[][] colSum = new double[2][b];
        double[][] colEz = new double[2][b];
        for (int i = 0; i < b; i++) {
            double[][] out = new double[2][2];
            for (int k = 0; k < 2; k++) {
                kernels[k].exps(0.25, logits[k], i * b, colSum[k], colEz[k], b, out[k]);
            }
            assertArrayEquals(out[0], out[1], 1e-13 * (Math.abs(out[0][0]) + Math.abs(out[0][1])), "row sums");
        }
        for (int i = 0; i < b * b; i++) {
            assertEquals(logits[0][i], logits[1][i], 1e-15 * logits[0][i], "exponential " + i);
        }
        assertArrayEquals(colSum[0], colSum[1], 1e-13 * b, "column sums");
        logits[0] = logits[1].clone(); // the passes below from the same exponentials
        double[] colInv = gaussians(r, b, 1.0);
        double[][] w1 = new double[2][b * b];
        double[][] w2 = new double[2][b * b];
        double[][][] dc = new double[2][3][b];
        for (int i = 0; i < b; i++) {
            double[] sums = new double[2];
            double[][] ds = new double[2][b];
            for (int k = 0; k < 2; k++) {
                kernels[k].weights(logits[k], logits[k], i * b, 0.3, 0.2, colInv, 1.7, 0.01, ds[k], b);
            }
            assertArrayEquals(ds[0], ds[1], 0.0, "weights");
            for (int k = 0; k < 2; k++) {
                sums[k] = kernels[k].backward(gram, alphas[i], p1, p2, w1[k], w2[k], i * b, c11, c22, c12, dc[k][0],
                        dc[k][1], dc[k][2], ds[k], b);
            }
            assertEquals(sums[0], sums[1], 1e-12 * Math.max(1, Math.abs(sums[0])), "d/dalpha");
        }
        assertArrayEquals(w1[0], w1[1], 0.0, "dP1");
        assertArrayEquals(w2[0], w2[1], 0.0, "dP2");
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(dc[0][c], dc[1][c], 0.0, "candidate entry " + c); // each a sum over rows, in row order
        }
        if (gram) {
            assertEquals(0.0, w1[1][3], 0.0, "a degenerate pair has no gradient");
            assertEquals(0.0, w1[1][b + 5], 0.0, "nor one just below the floor");
        }
    }

    private static double[] gaussians(Random r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * scale;
        }
        return v;
    }
}
