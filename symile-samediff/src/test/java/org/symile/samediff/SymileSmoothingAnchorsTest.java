package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Symile's label smoothing and anchor subsets, in every form (O(N) graph and closed form, O(N²) dense and
 * memory-lean), against PyTorch's label-smoothed cross-entropy written out by its definition, and CLIP's anchored
 * pairs.
 */
class SymileSmoothingAnchorsTest {

    /** PyTorch's cross_entropy(z, target, label_smoothing=eps) of one row. */
    static double smoothedCe(double[] z, int target, double eps) {
        double max = Double.NEGATIVE_INFINITY;
        double mean = 0;
        for (double v : z) {
            max = Math.max(max, v);
            mean += v / z.length;
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        double lse = max + Math.log(sum);
        return (1 - eps) * (lse - z[target]) + eps * (lse - mean);
    }

    static int[] anchorsOrAll(int[] anchors, int m) {
        return anchors != null ? anchors : java.util.stream.IntStream.range(0, m).toArray();
    }

    /** O(N) by the definition (upstream §1.3) with smoothing ε over the B classes, over the chosen anchors. */
    static double bruteForceN(List<INDArray> reps, double ls, int[][][] perms, double eps, int[] anchors) {
        int m = reps.size();
        int b = (int) reps.get(0).rows();
        int d = (int) reps.get(0).columns();
        double s = Math.exp(ls);
        int[] chosen = anchorsOrAll(anchors, m);
        double total = 0;
        for (int a : chosen) {
            List<double[][]> non = new ArrayList<>();
            for (int k = 0; k < m; k++) {
                if (k != a) {
                    non.add(reps.get(k).toDoubleMatrix());
                }
            }
            double[][] x = reps.get(a).toDoubleMatrix();
            for (int i = 0; i < b; i++) {
                double[] z = new double[b];
                for (int j = 0; j < b; j++) {
                    for (int c = 0; c < d; c++) {
                        double prod = x[i][c];
                        for (int k = 0; k < m - 1; k++) {
                            prod *= non.get(k)[j == i ? i : perms[a][k][j]][c];
                        }
                        z[j] += s * prod;
                    }
                }
                total += smoothedCe(z, i, eps) / (b * chosen.length);
            }
        }
        return total;
    }

    /** O(N²) by the definition: every tuple of non-anchor rows a candidate, smoothing over all B^(M-1). */
    static double bruteForceNSquared(List<INDArray> reps, double ls, double eps, int[] anchors) {
        int m = reps.size();
        int b = (int) reps.get(0).rows();
        int d = (int) reps.get(0).columns();
        double s = Math.exp(ls);
        int[] chosen = anchorsOrAll(anchors, m);
        int candidates = (int) Math.pow(b, m - 1);
        double total = 0;
        for (int a : chosen) {
            List<double[][]> non = new ArrayList<>();
            for (int k = 0; k < m; k++) {
                if (k != a) {
                    non.add(reps.get(k).toDoubleMatrix());
                }
            }
            double[][] x = reps.get(a).toDoubleMatrix();
            for (int i = 0; i < b; i++) {
                double[] z = new double[candidates];
                int positive = -1;
                for (int t = 0; t < candidates; t++) {
                    int[] rows = new int[m - 1];
                    boolean diagonal = true;
                    for (int k = 0, rest = t; k < m - 1; k++, rest /= b) {
                        rows[k] = rest % b;
                        diagonal &= rows[k] == i;
                    }
                    if (diagonal) {
                        positive = t;
                    }
                    for (int c = 0; c < d; c++) {
                        double prod = x[i][c];
                        for (int k = 0; k < m - 1; k++) {
                            prod *= non.get(k)[rows[k]][c];
                        }
                        z[t] += s * prod;
                    }
                }
                total += smoothedCe(z, positive, eps) / (b * chosen.length);
            }
        }
        return total;
    }

    private static List<INDArray> reps(int m, int b, int d, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            reps.add(Nd4j.randn(DataType.DOUBLE, b, d));
        }
        return reps;
    }

    private static int[] anchors(String spec) {
        return spec.equals("all") ? null : java.util.Arrays.stream(spec.split(";")).mapToInt(Integer::parseInt)
                .toArray();
    }

    @ParameterizedTest
    @CsvSource({"3, 0.1, all", "3, 0.9, all", "3, 0, 1", "3, 0.2, 0;2", "4, 0.3, 3;1", "2, 0.4, all"})
    void oNGraphAndClosedFormEqualTheDefinition(int m, double eps, String anchorSpec) {
        int[] anchors = anchors(anchorSpec);
        List<INDArray> reps = reps(m, 6, 4, 40 + m);
        int[][][] perms = SymileLossTest.randomPerms(m, 6, 3);
        double ls = 0.4;
        SymileLoss.Config config = SymileLoss.Config.of(NegativeSampling.N).withLabelSmoothing(eps)
                .withAnchors(anchors);
        double expected = bruteForceN(reps, ls, perms, eps, anchors);
        LossEvaluator.Result graph = LossEvaluator.symile(config, DataType.DOUBLE)
                .evaluate(reps, ls, Permutations.fixed(perms));
        LossEvaluator.Result closed = LossEvaluator.symile(config.withForm(LossForm.CLOSED_FORM), DataType.DOUBLE)
                .evaluate(reps, ls, Permutations.fixed(perms));
        assertEquals(expected, graph.loss(), 1e-12);
        assertEquals(expected, closed.loss(), 1e-12);
        assertSameGradients(graph, closed, 1e-12);
        // every anchor's permutations are drawn from a random stream, the chosen anchors' used: the same draws in
        // both forms whatever the anchors (randomPerms draws them from the same seed)
        assertEquals(expected, EagerLoss.symile(config).compute(reps, ls,
                Permutations.random(new java.util.SplittableRandom(3))).loss(), 1e-12);
        assertEquals(expected, LossEvaluator.symile(config, DataType.DOUBLE).loss(reps, ls,
                Permutations.random(new java.util.SplittableRandom(3))), 1e-12);
    }

    @ParameterizedTest
    @CsvSource({"3, 4, 0.1, all", "3, 4, 0.6, 2", "4, 3, 0.2, 0;3", "2, 5, 0.3, all"})
    void nSquaredDenseAndLeanEqualTheDefinition(int m, int b, double eps, String anchorSpec) {
        int[] anchors = anchors(anchorSpec);
        List<INDArray> reps = reps(m, b, 3, 60 + m);
        double ls = -0.3;
        double expected = bruteForceNSquared(reps, ls, eps, anchors);
        SymileLoss.Config dense = SymileLoss.Config.of(NegativeSampling.N_SQUARED).withLabelSmoothing(eps)
                .withAnchors(anchors);
        SymileLoss.Config lean = new SymileLoss.Config(NegativeSampling.N_SQUARED, true, 5).withLabelSmoothing(eps)
                .withAnchors(anchors);
        LossEvaluator.Result d = LossEvaluator.symile(dense, DataType.DOUBLE).evaluate(reps, ls, null);
        LossEvaluator.Result l = LossEvaluator.symile(lean, DataType.DOUBLE).evaluate(reps, ls, null);
        assertEquals(expected, d.loss(), 1e-12);
        assertEquals(expected, l.loss(), 1e-12);
        assertSameGradients(d, l, 1e-12);
    }

    @Test
    void smoothingAndAnchorsChangeTheGradients() {
        List<INDArray> reps = reps(3, 5, 4, 7);
        int[][][] perms = SymileLossTest.randomPerms(3, 5, 1);
        SymileLoss.Config plain = SymileLoss.Config.of(NegativeSampling.N).withForm(LossForm.CLOSED_FORM);
        LossGradients base = EagerLoss.symile(plain).compute(reps, 0.2, Permutations.fixed(perms));
        INDArray g0 = base.gradients().get(0).dup();
        LossGradients smoothed = EagerLoss.symile(plain.withLabelSmoothing(0.3))
                .compute(reps, 0.2, Permutations.fixed(perms));
        assertTrue(g0.sub(smoothed.gradients().get(0)).amaxNumber().doubleValue() > 1e-3);
        LossGradients anchored = EagerLoss.symile(plain.withAnchors(1)).compute(reps, 0.2, Permutations.fixed(perms));
        assertTrue(g0.sub(anchored.gradients().get(0)).amaxNumber().doubleValue() > 1e-3);
    }

    /** The float closed form (Vector API rows) agrees with the DOUBLE one under smoothing. */
    @Test
    void floatClosedFormMatchesDouble() {
        List<INDArray> reps = reps(3, 40, 16, 11);
        int[][][] perms = SymileLossTest.randomPerms(3, 40, 5);
        SymileLoss.Config config = SymileLoss.Config.of(NegativeSampling.N).withLabelSmoothing(0.1).withAnchors(2, 0);
        double expected = bruteForceN(reps, 1.5, perms, 0.1, new int[] {2, 0});
        List<INDArray> floats = new ArrayList<>();
        reps.forEach(r -> floats.add(r.castTo(DataType.FLOAT)));
        double actual = EagerLoss.symile(config).compute(floats, 1.5, Permutations.fixed(perms)).loss();
        assertEquals(expected, actual, 1e-5 * Math.abs(expected));
    }

    @ParameterizedTest
    @CsvSource({"n, false, 0.2, all", "n, false, 0.3, 0;2", "n_squared, false, 0.25, 1", "n_squared, true, 0.15, 2;1"})
    void centralDifferences(String sampling, boolean lean, double eps, String anchorSpec) {
        NegativeSampling ns = NegativeSampling.fromFlag(sampling);
        SymileLoss.Config config = new SymileLoss.Config(ns, lean, 6).withLabelSmoothing(eps)
                .withAnchors(anchors(anchorSpec));
        Nd4j.getRandom().setSeed(19);
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        List<String> vars = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            reps.add(sd.var("r" + k, Nd4j.randn(DataType.DOUBLE, 4, 3)));
            vars.add("r" + k);
        }
        LogitScale scale = LogitScale.create(sd, "ls", 0.3, false, DataType.DOUBLE);
        vars.add("ls");
        LossGraph g = new SymileLoss(config).build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        Map<String, INDArray> fixed = new HashMap<>();
        if (ns == NegativeSampling.N) {
            g.feed(sd, fixed, 4, Permutations.fixed(SymileLossTest.randomPerms(3, 4, 2)));
        }
        double worst = GradientCheck.check(sd, "loss", vars, fixed, f -> {
            if (lean) {
                g.feed(sd, f, 4, null);
            }
        }, 1e-6, 1e-6);
        assertTrue(worst < 1e-6);
    }

    @Test
    void badSmoothingOrAnchorsAreRefused() {
        SymileLoss.Config base = SymileLoss.Config.of(NegativeSampling.N);
        for (double eps : new double[] {-0.1, 1.0, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> base.withLabelSmoothing(eps));
            assertTrue(e.getMessage().contains("label smoothing must be in [0, 1)"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> base.withAnchors(1, 1)).getMessage()
                .contains("distinct"));
        SymileLoss.Config four = base.withAnchors(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> four.checkModalities(3));
        assertTrue(e.getMessage().contains("--anchors") && e.getMessage().contains("3"), e.getMessage());
        IllegalArgumentException built = assertThrows(IllegalArgumentException.class,
                () -> LossEvaluator.symile(four, DataType.DOUBLE).loss(reps(3, 4, 2, 1), 0, Permutations.fixed(
                        SymileLossTest.randomPerms(3, 4, 1))));
        assertTrue(built.getMessage().contains("--anchors"), built.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ClipLoss().withAnchors(0, 0)).getMessage()
                .contains("distinct"));
    }

    /** CLIP with anchors sums the pairs that hold one; both forms, smoothed or not. */
    @ParameterizedTest
    @CsvSource({"0, 1", "0.2, 2", "0.1, 0;3", "0, all"})
    void clipSumsThePairsHoldingAnAnchor(double eps, String anchorSpec) {
        int[] anchors = anchors(anchorSpec);
        List<INDArray> reps = reps(4, 5, 3, 23);
        double ls = 0.5;
        double expected = 0;
        for (int a = 0; a < 4; a++) {
            for (int c = a + 1; c < 4; c++) {
                boolean holds = anchors == null;
                for (int x : anchors == null ? new int[0] : anchors) {
                    holds |= x == a || x == c;
                }
                if (holds) {
                    expected += clipPair(reps.get(a), reps.get(c), ls, eps);
                }
            }
        }
        ClipLoss loss = new ClipLoss().withLabelSmoothing(eps).withAnchors(anchors);
        LossEvaluator.Result graph = LossEvaluator.clip(loss, DataType.DOUBLE).evaluate(reps, ls, null);
        LossEvaluator.Result closed = LossEvaluator.clip(loss.withForm(LossForm.CLOSED_FORM), DataType.DOUBLE)
                .evaluate(reps, ls, null);
        assertEquals(expected, graph.loss(), 1e-12);
        assertEquals(expected, closed.loss(), 1e-12);
        assertSameGradients(graph, closed, 1e-12);
        assertEquals(expected, EagerLoss.clip(eps, anchors).compute(reps, ls, null).loss(), 1e-12);
    }

    /** The float closed form of smoothed CLIP (its K corrected in place) agrees with the DOUBLE one. */
    @Test
    void smoothedClipInFloatMatchesDouble() {
        List<INDArray> reps = reps(3, 50, 12, 29);
        List<INDArray> floats = new ArrayList<>();
        reps.forEach(r -> floats.add(r.castTo(DataType.FLOAT)));
        LossGradients d = EagerLoss.clip(0.1, null).compute(reps, 0.8, null);
        double expected = d.loss();
        INDArray g0 = d.gradients().get(0).dup();
        LossGradients f = EagerLoss.clip(0.1, null).compute(floats, 0.8, null);
        assertEquals(expected, f.loss(), 1e-5 * Math.abs(expected));
        assertTrue(g0.sub(f.gradients().get(0).castTo(DataType.DOUBLE)).amaxNumber().doubleValue()
                < 1e-5 * Math.max(1, g0.amaxNumber().doubleValue()));
    }

    /** Rows' and columns' smoothed cross-entropies of s·u vᵀ, averaged. */
    private static double clipPair(INDArray u, INDArray v, double ls, double eps) {
        double[][] l = u.mmul(v.transpose()).muli(Math.exp(ls)).toDoubleMatrix();
        int b = l.length;
        double total = 0;
        for (int i = 0; i < b; i++) {
            double[] col = new double[b];
            for (int j = 0; j < b; j++) {
                col[j] = l[j][i];
            }
            total += (smoothedCe(l[i], i, eps) + smoothedCe(col, i, eps)) / (2 * b);
        }
        return total;
    }

    private static void assertSameGradients(LossEvaluator.Result a, LossEvaluator.Result b, double tol) {
        assertEquals(a.gradLogScale(), b.gradLogScale(), tol);
        for (int k = 0; k < a.gradients().size(); k++) {
            assertTrue(a.gradients().get(k).equalsWithEps(b.gradients().get(k), tol), "modality " + k);
        }
    }
}
