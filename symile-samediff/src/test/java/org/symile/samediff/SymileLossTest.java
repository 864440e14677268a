package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SymileLossTest {

    private static final String[] N_CASES = {"symile_n_M2.json", "symile_n_M3.json", "symile_n_M4.json"};
    private static final String[] N2_CASES = {"symile_n_squared_M3.json", "symile_n_squared_M4.json"};

    @ParameterizedTest
    @ValueSource(strings = {"symile_n_M2.json", "symile_n_M3.json", "symile_n_M4.json",
            "symile_n_squared_M3.json", "symile_n_squared_M4.json"})
    void matchesReferenceInDouble(String file) {
        JsonNode c = ReferenceVectors.load(file);
        NegativeSampling ns = NegativeSampling.fromFlag(c.get("negative_sampling").asText());
        assertCase(c, LossEvaluator.symile(SymileLoss.Config.of(ns), DataType.DOUBLE), 1e-9, 0);
        if (ns == NegativeSampling.N_SQUARED) {
            assertCase(c, LossEvaluator.symile(SymileLoss.Config.lean(), DataType.DOUBLE), 1e-9, 0);
            // tiny chunks: every chunk boundary path of the lean loop
            assertCase(c, LossEvaluator.symile(new SymileLoss.Config(ns, true, 1), DataType.DOUBLE), 1e-9, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"symile_n_M2.json", "symile_n_M3.json", "symile_n_M4.json",
            "symile_n_squared_M3.json", "symile_n_squared_M4.json"})
    void matchesReferenceInFloat(String file) {
        JsonNode c = ReferenceVectors.load(file);
        NegativeSampling ns = NegativeSampling.fromFlag(c.get("negative_sampling").asText());
        assertCase(c, LossEvaluator.symile(SymileLoss.Config.of(ns), DataType.FLOAT), 0, 1e-5);
        if (ns == NegativeSampling.N_SQUARED) {
            assertCase(c, LossEvaluator.symile(SymileLoss.Config.lean(), DataType.FLOAT), 0, 1e-5);
        }
    }

    /** Checks loss and gradients with an absolute (DOUBLE) or relative (FLOAT) tolerance. */
    static void assertCase(JsonNode c, LossEvaluator eval, double abs, double rel) {
        DataType dt = abs > 0 ? DataType.DOUBLE : DataType.FLOAT;
        List<INDArray> reps = ReferenceVectors.matrices(c.get("representations"), dt);
        Permutations perms = c.has("permutations")
                ? Permutations.fixed(ReferenceVectors.permutations(c.get("permutations")))
                : Permutations.random(new SplittableRandom(0));
        LossEvaluator.Result r = eval.evaluate(reps, c.get("log_logit_scale").asDouble(), perms);
        close(c.get("expected_loss").asDouble(), r.loss(), abs, rel, "loss");
        close(c.get("expected_grad_log_logit_scale").asDouble(), r.gradLogScale(), abs, rel, "grad log scale");
        List<INDArray> expected = ReferenceVectors.matrices(c.get("expected_grad_representations"), DataType.DOUBLE);
        for (int m = 0; m < expected.size(); m++) {
            double[] e = expected.get(m).data().asDouble();
            double[] g = r.gradients().get(m).castTo(DataType.DOUBLE).dup().data().asDouble();
            double scale = expected.get(m).amaxNumber().doubleValue();
            for (int i = 0; i < e.length; i++) {
                // FLOAT: relative to the entry, floored at the modality's largest entry for near-zero gradients
                double tol = abs > 0 ? abs : rel * Math.max(Math.abs(e[i]), scale);
                assertEquals(e[i], g[i], tol, "grad rep " + m + "[" + i + "]");
            }
        }
    }

    private static void close(double expected, double actual, double abs, double rel, String what) {
        double tol = abs > 0 ? abs : rel * Math.abs(expected);
        assertEquals(expected, actual, tol, what);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void gradientCheckO_N(int m) {
        checkGraph(m, 5, 3, SymileLoss.Config.of(NegativeSampling.N));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void gradientCheckO_N2(int m) {
        checkGraph(m, 4, 3, SymileLoss.Config.of(NegativeSampling.N_SQUARED));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void gradientCheckLean(int m) {
        checkGraph(m, 4, 3, new SymileLoss.Config(NegativeSampling.N_SQUARED, true, 7));
    }

    /** Representations behind one linear layer each, so gradients flow through the loss into parameters. */
    private static void checkGraph(int m, int b, int d, SymileLoss.Config config) {
        Nd4j.getRandom().setSeed(12);
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        List<String> vars = new ArrayList<>();
        Map<String, INDArray> base = new HashMap<>();
        for (int k = 0; k < m; k++) {
            SDVariable in = sd.placeHolder("in" + k, DataType.DOUBLE, -1, 2);
            base.put("in" + k, Nd4j.rand(DataType.DOUBLE, b, 2).subi(0.5));
            SDVariable w = sd.var("w" + k, Nd4j.rand(DataType.DOUBLE, 2, d).subi(0.5));
            vars.add("w" + k);
            reps.add(sd.mmul(in, w));
        }
        LogitScale scale = LogitScale.create(sd, "ls", 0.3, false, DataType.DOUBLE);
        vars.add("ls");
        LossGraph g = new SymileLoss(config).build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        Map<String, INDArray> fixed = new HashMap<>(base);
        if (config.negativeSampling() == NegativeSampling.N) {
            // permutations drawn once and reused for every evaluation
            g.feed(sd, fixed, b, Permutations.random(new SplittableRandom(3)));
        }
        boolean lean = config.memoryLean();
        double worst = GradientCheck.check(sd, "loss", vars, fixed,
                f -> {
                    if (lean) {
                        g.feed(sd, f, b, null);
                    }
                }, 1e-6, 1e-6);
        assertTrue(worst < 1e-6);
    }

    /** Widths 3 and 128 put the scale before the product and on the [B, B] logits respectively. */
    @ParameterizedTest
    @ValueSource(ints = {3, 128})
    void oNMatchesBruteForceAndGradientChecksAtBothScalePlacements(int d) {
        assertEquals(d < SymileNGraph.NARROW_WIDTH, d == 3);
        Nd4j.getRandom().setSeed(21);
        int b = 5;
        int[][][] perms = randomPerms(3, b, 8);
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        List<String> vars = new ArrayList<>();
        List<INDArray> values = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            INDArray r = Nd4j.randn(DataType.DOUBLE, b, d).divi(Math.pow(d, 1.0 / 3));
            values.add(r.dup());
            reps.add(sd.var("r" + k, r));
            vars.add("r" + k);
        }
        LogitScale scale = LogitScale.create(sd, "ls", 0.7, false, DataType.DOUBLE);
        vars.add("ls");
        LossGraph g = new SymileLoss(NegativeSampling.N).build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        Map<String, INDArray> fixed = new HashMap<>();
        g.feed(sd, fixed, b, Permutations.fixed(perms));
        assertEquals(bruteForceN(values, 0.7, perms), sd.output(fixed, "loss").get("loss").getDouble(0), 1e-12);
        double worst = GradientCheck.check(sd, "loss", vars, fixed, f -> { }, 1e-6, 1e-6, 40);
        assertTrue(worst < 1e-6);
    }

    /**
     * Logits far beyond exp()'s float range (s = e^6 ≈ 403) and an anchor whose masked raw diagonal x_i·q_i is
     * far above every logit it keeps: the float loss still matches a DOUBLE brute force.
     */
    @Test
    void oNStaysFiniteAndAccurateForHugeLogitsInFloat() {
        Nd4j.getRandom().setSeed(33);
        int b = 6;
        int d = 4;
        int[][][] perms = randomPerms(3, b, 2);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            INDArray r = Nd4j.randn(DataType.DOUBLE, b, d);
            reps.add(r.diviColumnVector(r.norm2(1).reshape(b, 1)));
        }
        // row 0 of anchor 0: the masked product with its own q_0 is the largest a MIP of unit vectors can be (1),
        // while its positive and its kept negatives are random
        int r1 = perms[0][0][0];
        int r2 = perms[0][1][0];
        assertTrue(r1 != 0 && r2 != 0, "fixture: the masked negative must not share rows with the positive");
        INDArray e0 = Nd4j.zeros(DataType.DOUBLE, d);
        e0.putScalar(0, 1.0);
        reps.get(0).putRow(0, e0);
        reps.get(1).putRow(r1, e0);
        reps.get(2).putRow(r2, e0);
        double ls = 6.0;
        double expected = bruteForceN(reps, ls, perms);
        List<INDArray> floats = new ArrayList<>();
        reps.forEach(r -> floats.add(r.castTo(DataType.FLOAT)));
        double actual = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N), DataType.FLOAT)
                .loss(floats, ls, Permutations.fixed(perms));
        assertTrue(Double.isFinite(actual) && expected > 10, expected + " vs " + actual);
        assertEquals(expected, actual, 1e-4 * expected);
    }

    static int[][][] randomPerms(int m, int b, long seed) {
        Permutations random = Permutations.random(new SplittableRandom(seed));
        int[][][] perms = new int[m][m - 1][];
        for (int a = 0; a < m; a++) {
            for (int k = 0; k < m - 1; k++) {
                perms[a][k] = random.next(a, k, b);
            }
        }
        return perms;
    }

    /** O(N) Symile by the definition (upstream §1.3): negatives q_j = Π_k n_k[p_k[j]], positive on the diagonal. */
    static double bruteForceN(List<INDArray> reps, double ls, int[][][] perms) {
        return SymileSmoothingAnchorsTest.bruteForceN(reps, ls, perms, 0, null);
    }

    @Test
    void nSquaredWorksForTwoModalitiesAndMatchesBruteForce() {
        Nd4j.getRandom().setSeed(5);
        List<INDArray> reps = List.of(Nd4j.randn(DataType.DOUBLE, 6, 4), Nd4j.randn(DataType.DOUBLE, 6, 4));
        double ls = -0.2;
        double dense = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N_SQUARED), DataType.DOUBLE)
                .loss(reps, ls, null);
        double lean = LossEvaluator.symile(SymileLoss.Config.lean(), DataType.DOUBLE).loss(reps, ls, null);
        // M = 2: every anchor row against all B rows of the other modality, target on the diagonal
        double s = Math.exp(ls);
        double expected = 0;
        for (int a = 0; a < 2; a++) {
            double[][] x = reps.get(a).toDoubleMatrix();
            double[][] y = reps.get(1 - a).toDoubleMatrix();
            for (int i = 0; i < 6; i++) {
                double[] z = new double[6];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < 6; j++) {
                    for (int k = 0; k < 4; k++) {
                        z[j] += s * x[i][k] * y[j][k];
                    }
                    max = Math.max(max, z[j]);
                }
                double sum = 0;
                for (double v : z) {
                    sum += Math.exp(v - max);
                }
                expected += (max + Math.log(sum) - z[i]) / (6 * 2);
            }
        }
        assertEquals(expected, dense, 1e-12);
        assertEquals(expected, lean, 1e-12);
    }

    @Test
    void sameSeedSameLossDifferentSeedDifferentNegatives() {
        Nd4j.getRandom().setSeed(9);
        List<INDArray> reps = List.of(Nd4j.randn(DataType.DOUBLE, 16, 8), Nd4j.randn(DataType.DOUBLE, 16, 8),
                Nd4j.randn(DataType.DOUBLE, 16, 8));
        LossEvaluator eval = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N), DataType.DOUBLE);
        double a = eval.loss(reps, 0.5, Permutations.random(new SplittableRandom(42)));
        double b = eval.loss(reps, 0.5, Permutations.random(new SplittableRandom(42)));
        double c = eval.loss(reps, 0.5, Permutations.random(new SplittableRandom(43)));
        assertEquals(a, b, 0.0);
        assertNotEquals(a, c);
        // one generator: consecutive steps draw fresh negatives
        Permutations stream = Permutations.random(new SplittableRandom(42));
        assertEquals(a, eval.loss(reps, 0.5, stream), 0.0);
        assertNotEquals(a, eval.loss(reps, 0.5, stream));
    }

    @Test
    void rejectsBadInput() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 5);
        LogitScale s = LogitScale.create(sd, "ls", 0.0, false, DataType.FLOAT);
        SymileLoss loss = new SymileLoss(NegativeSampling.N);
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> loss.build(sd, "l1", List.of(x), s));
        assertTrue(one.getMessage().contains("M >= 2"), one.getMessage());
        IllegalArgumentException widths = assertThrows(IllegalArgumentException.class,
                () -> loss.build(sd, "l2", List.of(x, y), s));
        assertTrue(widths.getMessage().contains("[-1, 4]") && widths.getMessage().contains("[-1, 5]"),
                widths.getMessage());
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> NegativeSampling.fromFlag("n_cubed"));
        assertTrue(flag.getMessage().contains("negative_sampling") && flag.getMessage().contains("n_cubed"));

        LossEvaluator eval = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N), DataType.FLOAT);
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> eval.loss(
                List.of(Nd4j.zeros(DataType.FLOAT, 4, 3), Nd4j.zeros(DataType.FLOAT, 5, 3)), 0, null));
        assertTrue(batch.getMessage().contains("[4, 3]") && batch.getMessage().contains("[5, 3]"),
                batch.getMessage());

        LossEvaluator huge = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N_SQUARED), DataType.FLOAT);
        List<INDArray> big = List.of(Nd4j.zeros(DataType.FLOAT, 2048, 2), Nd4j.zeros(DataType.FLOAT, 2048, 2),
                Nd4j.zeros(DataType.FLOAT, 2048, 2), Nd4j.zeros(DataType.FLOAT, 2048, 2));
        IllegalArgumentException fit = assertThrows(IllegalArgumentException.class, () -> huge.loss(big, 0, null));
        assertTrue(fit.getMessage().contains("n_squared") && fit.getMessage().contains("2048^3"), fit.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> new SymileLoss.Config(NegativeSampling.N, true, 10));
        IllegalArgumentException notPerm = assertThrows(IllegalArgumentException.class,
                () -> eval.loss(List.of(Nd4j.zeros(DataType.FLOAT, 3, 2), Nd4j.zeros(DataType.FLOAT, 3, 2)), 0,
                        Permutations.fixed(new int[][][] {{{0, 0, 1}}, {{0, 1, 2}}})));
        assertTrue(notPerm.getMessage().contains("not a permutation"), notPerm.getMessage());
    }
}
