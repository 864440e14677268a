package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The closed forms ({@link LossForm#CLOSED_FORM}) against the reference vectors, the graph forms and finite differences. */
class ClosedFormTest {
    private static final SymileLoss.Config SYMILE_N = SymileLoss.Config.of(NegativeSampling.N)
            .withForm(LossForm.CLOSED_FORM);
    private static final ClipLoss CLIP = new ClipLoss().withForm(LossForm.CLOSED_FORM);

    @ParameterizedTest
    @ValueSource(strings = {"symile_n_M2.json", "symile_n_M3.json", "symile_n_M4.json", "clip_M3.json"})
    void matchesReferenceOnBothFloatPaths(String file) {
        JsonNode c = ReferenceVectors.load(file);
        boolean clip = file.startsWith("clip");
        SymileLossTest.assertCase(c, evaluator(clip, DataType.DOUBLE), 1e-9, 0);
        SymileLossTest.assertCase(c, evaluator(clip, DataType.FLOAT), 0, 1e-5);
        withScalarPath(() -> SymileLossTest.assertCase(c, evaluator(clip, DataType.FLOAT), 0, 1e-5));
    }

    private static LossEvaluator evaluator(boolean clip, DataType dt) {
        return clip ? LossEvaluator.clip(CLIP, dt) : LossEvaluator.symile(SYMILE_N, dt);
    }

    /** The same permutations give the graph form's value and gradients to rounding, at both scale placements. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void equalsGraphForm(int m) {
        Nd4j.getRandom().setSeed(40 + m);
        for (int d : new int[] {3, 130}) {
            int b = 9;
            List<INDArray> reps = new ArrayList<>();
            for (int k = 0; k < m; k++) {
                reps.add(Nd4j.randn(DataType.DOUBLE, b, d).divi(Math.sqrt(d)));
            }
            int[][][] perms = SymileLossTest.randomPerms(m, b, 5);
            double ls = 1.3;
            assertSame(LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N), DataType.DOUBLE)
                    .evaluate(reps, ls, Permutations.fixed(perms)),
                    LossEvaluator.symile(SYMILE_N, DataType.DOUBLE).evaluate(reps, ls, Permutations.fixed(perms)));
            assertEquals(SymileLossTest.bruteForceN(reps, ls, perms),
                    LossEvaluator.symile(SYMILE_N, DataType.DOUBLE).loss(reps, ls, Permutations.fixed(perms)), 1e-12);
            assertSame(LossEvaluator.clip(DataType.DOUBLE).evaluate(reps, ls, null),
                    LossEvaluator.clip(CLIP, DataType.DOUBLE).evaluate(reps, ls, null));
        }
    }

    private static void assertSame(LossEvaluator.Result graph, LossEvaluator.Result closed) {
        assertEquals(graph.loss(), closed.loss(), 1e-12, "loss");
        assertEquals(graph.gradLogScale(), closed.gradLogScale(), 1e-12, "grad log scale");
        for (int k = 0; k < graph.gradients().size(); k++) {
            double[] g = graph.gradients().get(k).dup().data().asDouble();
            double[] c = closed.gradients().get(k).dup().data().asDouble();
            for (int i = 0; i < g.length; i++) {
                assertEquals(g[i], c[i], 1e-12, "grad rep " + k + "[" + i + "]");
            }
        }
    }

    /**
     * Central differences through one linear layer per modality and the surrogate, re-fed at every point; CLIP at
     * a narrow and a wide width.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void gradientCheck(int m) {
        Nd4j.getRandom().setSeed(12 + m);
        int b = 5;
        for (int variant = 0; variant < 3; variant++) {
            boolean clip = variant > 0;
            int width = variant == 2 ? 70 : 3;
            SameDiff sd = SameDiff.create();
            List<SDVariable> reps = new ArrayList<>();
            List<String> vars = new ArrayList<>();
            Map<String, INDArray> base = new HashMap<>();
            for (int k = 0; k < m; k++) {
                sd.placeHolder("in" + k, DataType.DOUBLE, -1, 2);
                base.put("in" + k, Nd4j.rand(DataType.DOUBLE, b, 2).subi(0.5));
                sd.var("w" + k, Nd4j.rand(DataType.DOUBLE, 2, width).subi(0.5));
                vars.add("w" + k);
                reps.add(sd.mmul(sd.getVariable("in" + k), sd.getVariable("w" + k)));
            }
            LogitScale scale = LogitScale.create(sd, "ls", 0.3, false, DataType.DOUBLE);
            vars.add("ls");
            LossGraph g = clip ? CLIP.build(sd, "loss", reps, scale)
                    : new SymileLoss(SYMILE_N).build(sd, "loss", reps, scale);
            sd.setLossVariables("loss");
            Permutations perms = Permutations.fixed(SymileLossTest.randomPerms(m, b, 9));
            double worst = GradientCheck.check(sd, "loss", vars, base, f -> g.feed(sd, f, b, perms), 1e-6, 1e-6);
            assertTrue(worst < 1e-6, (clip ? "clip d " + width + ": " : "symile: ") + worst);
        }
    }

    /** {@link LossGraph#value} (no gradient products) equals the surrogate's executed value, for every eager loss. */
    @Test
    void valueAloneEqualsTheExecutedLoss() {
        Nd4j.getRandom().setSeed(3);
        int b = 6;
        int[][][] perms = SymileLossTest.randomPerms(3, b, 4);
        List<LossEvaluator.Builder> builders = List.of(new SymileLoss(SYMILE_N)::build, CLIP::build,
                new SymileLoss(SymileLoss.Config.lean())::build, new SymileLoss(NegativeSampling.N)::build);
        for (LossEvaluator.Builder builder : builders) {
            for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                SameDiff sd = SameDiff.create();
                List<SDVariable> reps = new ArrayList<>();
                for (int k = 0; k < 3; k++) {
                    reps.add(sd.var("r" + k, Nd4j.randn(dt, b, 5)));
                }
                LossGraph g = builder.build(sd, "loss", reps, LogitScale.create(sd, "ls", 0.8, false, dt));
                Map<String, INDArray> feed = new HashMap<>();
                g.feed(sd, feed, b, Permutations.fixed(perms));
                double executed = sd.output(feed, "loss").get("loss").getDouble(0);
                double alone = g.value(sd, Map.of(), b, Permutations.fixed(perms));
                assertEquals(executed, alone, (dt == DataType.DOUBLE ? 1e-12 : 1e-5) * Math.abs(executed));
            }
        }
    }

    /** Logits far beyond exp()'s float range stay finite and match DOUBLE. */
    @Test
    void hugeLogitsInFloat() {
        Nd4j.getRandom().setSeed(33);
        int b = 40;
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            INDArray r = Nd4j.randn(DataType.DOUBLE, b, 4);
            reps.add(r.diviColumnVector(r.norm2(1).reshape(b, 1)));
        }
        int[][][] perms = SymileLossTest.randomPerms(3, b, 2);
        double ls = 6.0;
        double expected = SymileLossTest.bruteForceN(reps, ls, perms);
        List<INDArray> floats = new ArrayList<>();
        reps.forEach(r -> floats.add(r.castTo(DataType.FLOAT)));
        double actual = LossEvaluator.symile(SYMILE_N, DataType.FLOAT).loss(floats, ls, Permutations.fixed(perms));
        assertTrue(expected > 10, "fixture: logits must be large, loss " + expected);
        assertEquals(expected, actual, 1e-5 * expected);
        double clipD = LossEvaluator.clip(DataType.DOUBLE).loss(reps, ls, null);
        assertEquals(clipD, LossEvaluator.clip(CLIP, DataType.FLOAT).loss(floats, ls, null), 1e-5 * clipD);
    }

    /** Rows wider than the batch and not a multiple of the vector length: vector and scalar paths agree. */
    @Test
    void vectorAndScalarRowsAgree() {
        Nd4j.getRandom().setSeed(8);
        INDArray z = Nd4j.randn(DataType.FLOAT, 7, 37).muli(5);
        double[] diag = {1, -2, 3, 0.5, 7, -9, 2};
        INDArray a = z.dup();
        INDArray c = z.dup();
        double[] wa = new double[7];
        double[] wc = new double[7];
        SoftmaxRows.Sums sa = SoftmaxRows.crossEntropy(a, diag, 0.1, wa);
        SoftmaxRows.Sums[] sc = new SoftmaxRows.Sums[1];
        withScalarPath(() -> sc[0] = SoftmaxRows.crossEntropy(c, diag, 0.1, wc));
        assertEquals(sc[0].loss(), sa.loss(), 1e-5 * Math.abs(sc[0].loss()));
        assertEquals(sc[0].gradDotLogits(), sa.gradDotLogits(), 1e-5);
        for (int i = 0; i < 7; i++) {
            assertEquals(wc[i], wa[i], 1e-7);
            assertEquals(0.0, a.getDouble(i, i), 0.0, "diagonal cleared");
        }
        assertTrue(a.equalsWithEps(c, 1e-7));
        // each row of G sums to 0 (softmax sums to 1, minus the one-hot), the diagonal held apart
        INDArray rowSums = a.sum(1).castTo(DataType.DOUBLE);
        for (int i = 0; i < 7; i++) {
            assertEquals(0.0, rowSums.getDouble(i) + wa[i], 1e-7);
        }
    }

    /**
     * The column pass equals the row pass over the transpose, transposed back, on both float paths and in float64;
     * B is not a multiple of the vector length, and spans more than one float-summed block of rows.
     */
    @Test
    void columnsAreTheTransposedRows() {
        Nd4j.getRandom().setSeed(9);
        int b = 4 * VectorSoftmaxColumns.BLOCK + 37; // several float-summed blocks of rows, a partial one
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray z = Nd4j.randn(dt, b, b).muli(6);
            INDArray zCopy = z.dup();
            INDArray expected = z.transpose().dup('c');
            SoftmaxRows.Sums rows = SoftmaxRows.crossEntropy(expected, null, 0.01, null);
            expected = expected.transpose().dup('c');
            INDArray vec = Nd4j.create(dt, b, b);
            INDArray scalar = Nd4j.create(dt, b, b);
            SoftmaxRows.Sums sv = SoftmaxColumns.crossEntropy(z, vec, 0.01);
            SoftmaxRows.Sums[] ss = new SoftmaxRows.Sums[1];
            withScalarPath(() -> ss[0] = SoftmaxColumns.crossEntropy(z, scalar, 0.01));
            double tol = dt == DataType.FLOAT ? 1e-5 : 1e-12;
            assertEquals(zCopy, z, "logits unchanged");
            for (SoftmaxRows.Sums got : new SoftmaxRows.Sums[] {sv, ss[0]}) {
                assertEquals(rows.loss(), got.loss(), tol * Math.abs(rows.loss()), dt + " loss");
                assertEquals(rows.gradDotLogits(), got.gradDotLogits(), tol * b, dt + " G . z");
            }
            double gTol = dt == DataType.FLOAT ? 1e-8 : 1e-15;
            assertTrue(vec.equalsWithEps(expected, gTol), dt + " vector/float64 path");
            assertTrue(scalar.equalsWithEps(expected, gTol), dt + " scalar path");
            // each column of G sums to 0: softmax sums to 1, minus the one-hot
            assertTrue(vec.sum(0).castTo(DataType.DOUBLE).equalsWithEps(Nd4j.zeros(DataType.DOUBLE, b), 1e-7));
        }
    }

    /**
     * The symmetric pass (one exponential per logit when the logits span little, the two shifted passes otherwise)
     * equals rows plus columns taken separately, on both float paths and in float64, for narrow logits and for
     * logits wider than each type's span.
     */
    @Test
    void symmetricIsRowsPlusColumns() {
        Nd4j.getRandom().setSeed(11);
        int b = 2 * VectorSoftmaxColumns.BLOCK + 29;
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            double wideScale = dt == DataType.FLOAT ? 40 : 300;
            for (double scale : new double[] {6, wideScale}) {
                INDArray z = Nd4j.randn(dt, b, b).muli(scale);
                double span = z.maxNumber().doubleValue() - z.minNumber().doubleValue();
                double limit = dt == DataType.FLOAT ? SoftmaxColumns.FLOAT_SPAN : SoftmaxColumns.DOUBLE_SPAN;
                assertEquals(scale > 6, span > limit, "the case exercises the intended path");
                INDArray expected = z.dup();
                INDArray cols = Nd4j.create(dt, b, b);
                SoftmaxRows.Sums c = SoftmaxColumns.crossEntropy(expected, cols, 0.01);
                SoftmaxRows.Sums r = SoftmaxRows.crossEntropy(expected, null, 0.01, null);
                expected.addi(cols);
                INDArray vec = z.dup();
                INDArray scalar = z.dup();
                SoftmaxRows.Sums sv = SoftmaxColumns.symmetric(vec, Nd4j.create(dt, b, b), 0.01);
                SoftmaxRows.Sums[] ss = new SoftmaxRows.Sums[1];
                withScalarPath(() -> ss[0] = SoftmaxColumns.symmetric(scalar, Nd4j.create(dt, b, b), 0.01));
                double loss = c.loss() + r.loss();
                double dot = c.gradDotLogits() + r.gradDotLogits();
                double tol = dt == DataType.FLOAT ? 1e-5 : 1e-12;
                double gTol = dt == DataType.FLOAT ? 1e-8 : 1e-15;
                for (SoftmaxRows.Sums got : new SoftmaxRows.Sums[] {sv, ss[0]}) {
                    assertEquals(loss, got.loss(), tol * Math.abs(loss), dt + " loss at scale " + scale);
                    assertEquals(dot, got.gradDotLogits(), tol * Math.max(1, Math.abs(dot)) * b, dt + " K . z");
                }
                assertTrue(vec.equalsWithEps(expected, gTol), dt + " vector/float64 path at scale " + scale);
                assertTrue(scalar.equalsWithEps(expected, gTol), dt + " scalar path at scale " + scale);
            }
        }
    }

    /**
     * The vectorised exp gives, lane for lane, exactly the scalar form's bits (so results cannot depend on whether
     * the JIT has compiled the kernel) and is within 1.5e-7 of exp, including clamped far tails.
     */
    @Test
    void vectorExpIsExactlyTheScalarFormAndAccurate() {
        jdk.incubator.vector.VectorSpecies<Float> sp = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        float[] x = new float[sp.length() * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 8 ? new float[] {0f, -0f, -1e-30f, -87.3f, -90f, -1000f, -0.5f, -88.7f}[i]
                    : (float) -(rng.nextDouble() * 100);
        }
        for (int i = 0; i < x.length; i += sp.length()) {
            float[] v = VectorSoftmaxRow.exp(jdk.incubator.vector.FloatVector.fromArray(sp, x, i)).toArray();
            for (int l = 0; l < v.length; l++) {
                float s = VectorSoftmaxRow.exp(x[i + l]);
                assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v[l]), "lane " + l + " of " + x[i + l]);
                double e = Math.exp(x[i + l]);
                if (x[i + l] >= -87.3f) {
                    assertEquals(e, v[l], 1.5e-7 * e, "exp(" + x[i + l] + ")");
                } else {
                    // clamped to exp(-87.3), the smallest normal float region: 1.22e-38 in place of less
                    assertTrue(v[l] > 0 && v[l] < 1.23e-38, "far tail of " + x[i + l] + ": " + v[l]);
                }
            }
        }
        assertEquals(1f, VectorSoftmaxRow.exp(0f));
    }

    /** The build runs tests with the Vector API module, so the tests above cover the vectorised path. */
    @Test
    void vectorPathIsActiveInTheBuild() {
        assertTrue(LossForm.vectorised());
    }

    @Test
    void closedFormIsRefusedWhereItDoesNotApply() {
        assertThrows(IllegalArgumentException.class,
                () -> SymileLoss.Config.of(NegativeSampling.N_SQUARED).withForm(LossForm.CLOSED_FORM));
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = List.of(sd.var("a", Nd4j.zeros(3, 2)), sd.var("b", Nd4j.zeros(3, 2)));
        LogitScale scale = LogitScale.create(sd, "ls", 0.0, false, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SymileLoss(SYMILE_N)
                .build(sd, "loss", reps, scale, sd.var("p", Nd4j.zeros(3, 2)), sd.var("i", Nd4j.eye(3))));
        assertTrue(e.getMessage().contains("closed form"), e.getMessage());
    }

    static void withScalarPath(Runnable body) {
        String old = System.setProperty(SoftmaxRows.NO_VECTOR_PROPERTY, "true");
        try {
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(SoftmaxRows.NO_VECTOR_PROPERTY);
            } else {
                System.setProperty(SoftmaxRows.NO_VECTOR_PROPERTY, old);
            }
        }
    }
}
