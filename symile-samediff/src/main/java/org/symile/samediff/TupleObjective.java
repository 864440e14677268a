package org.symile.samediff;

import java.util.Locale;
import java.util.Optional;

/**
 * The objectives that score a tuple of M vectors by the geometry of its pairwise dot products (its Gram matrix G,
 * G_uv = x_u · x_v), smaller scores meaning better aligned: GRAM's volume and TRIANGLE's area (definitions:
 * shared/reference/objectives.md). Each contrastive logit is −s · score.
 *
 * <p>Because both depend on the tuple's pairwise dot products only, neither can see information that exists only
 * in all modalities together (binary XOR), unlike Symile's multilinear inner product.
 */
public enum TupleObjective {
    /**
     * GRAM (Cicchetti et al., ICLR 2025, arXiv 2412.11959): the volume of the parallelotope the tuple spans,
     * sqrt(|det G|), any M ≥ 2. A degenerate tuple, |det G| &lt; {@value #DET_FLOOR} (the derivative of the square
     * root is unbounded at 0), scores sqrt({@value #DET_FLOOR}) and passes no gradient, as gated_symile clamps it;
     * no NaN can arise from it.
     */
    GRAM,
    /**
     * TRIANGLE (Cicchetti, Grassucci, Comminiello, NeurIPS 2025, arXiv 2509.24734), M = 3 only: the official
     * squared form of the triangle (a, b, c), (|u|²|v|² − (u·v)²)/2 with u = a − b, v = a − c (= 2·area²).
     */
    TRIANGLE;

    /** GRAM's floor on |det G|, below which a tuple counts as degenerate. */
    public static final double DET_FLOOR = 1e-8;

    /** The flag value: {@code gram} or {@code triangle}. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The objective whose {@link #flag()} is {@code flag}, if any ({@code symile} and {@code clip} are not). */
    public static Optional<TupleObjective> ofFlag(String flag) {
        for (TupleObjective o : values()) {
            if (o.flag().equals(flag)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    /** @throws IllegalArgumentException naming {@code --loss_fn} and M where the objective is not defined */
    public void checkModalities(int m) {
        if (this == TRIANGLE && m != 3) {
            throw new IllegalArgumentException("--loss_fn triangle: defined for exactly 3 modalities, got M = " + m);
        }
        if (m < 2) {
            throw new IllegalArgumentException("--loss_fn " + flag() + ": needs M >= 2 modalities, got " + m);
        }
    }

    /**
     * @throws IllegalArgumentException naming {@code --loss_fn}, M and {@code --d} where GRAM's M vectors live in
     *                                  fewer than M dimensions (they span no volume: every tuple is degenerate)
     */
    public void checkDimensions(int m, long d) {
        checkModalities(m);
        if (this == GRAM && d < m) {
            throw new IllegalArgumentException("--loss_fn gram: M = " + m + " vectors in d = " + d
                    + " dimensions span no volume; needs --d >= " + m);
        }
    }

    /**
     * The score of one tuple and, when {@code grad} is not null, its derivative with respect to each entry of G
     * (entries taken as independent, so the result is symmetric and the gradient of a vector x_u is
     * 2 Σ_v grad_uv x_v).
     *
     * @param g    the M x M Gram matrix, row-major (read only)
     * @param m    M
     * @param work scratch of at least 2·M² doubles
     * @param grad null, or M² doubles to overwrite with ∂score/∂G
     */
    double score(double[] g, int m, double[] work, double[] grad) {
        return this == GRAM ? gram(g, m, work, grad) : triangle(g, grad);
    }

    /** sqrt(|det G|) by Gaussian elimination with partial pivoting; ∂/∂G = (score/2)·G⁻¹ where not degenerate. */
    private static double gram(double[] g, int m, double[] work, double[] grad) {
        int mm = m * m;
        System.arraycopy(g, 0, work, 0, mm);
        // work[mm..2mm): the identity, turned into G⁻¹ alongside the elimination (Gauss-Jordan)
        for (int i = 0; i < mm; i++) {
            work[mm + i] = i % (m + 1) == 0 ? 1 : 0;
        }
        double det = 1;
        for (int col = 0; col < m; col++) {
            int piv = col;
            for (int r = col + 1; r < m; r++) {
                if (Math.abs(work[r * m + col]) > Math.abs(work[piv * m + col])) {
                    piv = r;
                }
            }
            if (piv != col) {
                for (int c = 0; c < m; c++) {
                    swap(work, piv * m + c, col * m + c);
                    swap(work, mm + piv * m + c, mm + col * m + c);
                }
                det = -det;
            }
            double p = work[col * m + col];
            det *= p;
            if (p == 0) {
                break;
            }
            for (int r = 0; r < m; r++) {
                if (r == col) {
                    continue;
                }
                double f = work[r * m + col] / p;
                if (f != 0) {
                    for (int c = 0; c < m; c++) {
                        work[r * m + c] -= f * work[col * m + c];
                        work[mm + r * m + c] -= f * work[mm + col * m + c];
                    }
                }
            }
        }
        double abs = Math.abs(det);
        if (!(abs >= DET_FLOOR)) {
            if (grad != null) {
                java.util.Arrays.fill(grad, 0, mm, 0.0);
            }
            return Double.isNaN(det) ? Double.NaN : Math.sqrt(DET_FLOOR);
        }
        double s = Math.sqrt(abs);
        if (grad != null) {
            for (int r = 0; r < m; r++) {
                double p = work[r * m + r];
                for (int c = 0; c < m; c++) {
                    // row r of the eliminated system is p·(row r of G⁻¹)
                    grad[c * m + r] = 0.5 * s * work[mm + r * m + c] / p;
                }
            }
        }
        return s;
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** (|u|²|v|² − (u·v)²)/2 from G's entries, u = x0 − x1, v = x0 − x2. */
    private static double triangle(double[] g, double[] grad) {
        double uu = g[0] - 2 * g[1] + g[4];
        double vv = g[0] - 2 * g[2] + g[8];
        double uv = g[0] - g[1] - g[2] + g[5];
        if (grad != null) {
            // derivatives with respect to the symmetric entries, then split evenly over G_kl and G_lk
            double d01 = uv - vv;
            double d02 = uv - uu;
            double d12 = -uv;
            grad[0] = 0.5 * (uu + vv) - uv;
            grad[4] = 0.5 * vv;
            grad[8] = 0.5 * uu;
            grad[1] = grad[3] = 0.5 * d01;
            grad[2] = grad[6] = 0.5 * d02;
            grad[5] = grad[7] = 0.5 * d12;
        }
        return 0.5 * (uu * vv - uv * uv);
    }
}
