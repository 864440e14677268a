package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TupleObjectiveLossTest {

    private static TupleObjectiveLoss lossOf(JsonNode c) {
        JsonNode a = c.get("anchors");
        int[] anchors = new int[a.size()];
        for (int i = 0; i < anchors.length; i++) {
            anchors[i] = a.get(i).asInt();
        }
        return new TupleObjectiveLoss(TupleObjective.valueOf(c.get("loss_fn").asText().toUpperCase(Locale.ROOT)),
                c.get("label_smoothing").asDouble(), anchors);
    }

    /** The float64 reference cases: the loss, every representation gradient and ∂/∂log s, in DOUBLE and FLOAT. */
    @ParameterizedTest
    @ValueSource(strings = {"gram_M3_all.json", "gram_M3_anchor0.json", "gram_M4_all.json", "triangle_M3_all.json",
        "triangle_M3_anchor0.json"})
    void matchesTheReferenceCases(String file) {
        JsonNode c = ReferenceVectors.load(file);
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            List<INDArray> reps = ReferenceVectors.matrices(c.get("representations"), dt);
            LossGradients g = lossOf(c).eager().compute(reps, c.get("log_logit_scale").asDouble(), null);
            boolean dbl = dt == DataType.DOUBLE;
            double expected = c.get("expected_loss").asDouble();
            assertEquals(expected, g.loss(), dbl ? 1e-9 : 1e-5 * Math.abs(expected), file + " loss " + dt);
            double gs = c.get("expected_grad_log_logit_scale").asDouble();
            assertEquals(gs, g.gradLogScale(), dbl ? 1e-9 : 1e-5 * Math.max(1, Math.abs(gs)), file + " d log s");
            List<INDArray> want = ReferenceVectors.matrices(c.get("expected_grad_representations"), DataType.DOUBLE);
            for (int m = 0; m < want.size(); m++) {
                INDArray got = g.gradients().get(m).castTo(DataType.DOUBLE);
                double scale = dbl ? 1 : Math.max(1e-3, want.get(m).amaxNumber().doubleValue());
                double err = got.sub(want.get(m)).amaxNumber().doubleValue();
                assertTrue(err <= (dbl ? 1e-9 : 1e-5 * scale), file + " grad " + m + " " + dt + ": " + err);
            }
            assertEquals(g.loss(), lossOf(c).eager().value(reps, c.get("log_logit_scale").asDouble(), null), 1e-12);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gram_zeroshot_M3.json", "triangle_zeroshot_M3.json"})
    void zeroShotScoresMatchTheReferenceCases(String file) {
        JsonNode c = ReferenceVectors.load(file);
        TupleObjective o = TupleObjective.valueOf(c.get("loss_fn").asText().toUpperCase(Locale.ROOT));
        INDArray got = TupleObjectiveLoss.zeroShotScores(o, ReferenceVectors.matrix(c.get("candidates"),
                DataType.DOUBLE), ReferenceVectors.matrices(c.get("queries"), DataType.DOUBLE),
                c.get("log_logit_scale").asDouble());
        INDArray want = ReferenceVectors.matrix(c.get("expected_scores"), DataType.DOUBLE);
        assertEquals(0, got.sub(want).amaxNumber().doubleValue(), 1e-9);
    }

    /** Central differences in DOUBLE: every representation entry and log s, any M, smoothing, chosen anchors. */
    @ParameterizedTest
    @CsvSource({"GRAM,2,0.0,", "GRAM,3,0.1,", "GRAM,4,0.1,2", "GRAM,5,0.05,0;3", "TRIANGLE,3,0.1,", "TRIANGLE,3,0.0,1"})
    void gradientsAreCentralDifferences(TupleObjective o, int m, double eps, String anchorList) {
        int[] anchors = anchorList == null ? null
                : java.util.Arrays.stream(anchorList.split(";")).mapToInt(Integer::parseInt).toArray();
        EagerLoss loss = new TupleObjectiveLoss(o, eps, anchors).eager();
        Nd4j.getRandom().setSeed(40 + m);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            reps.add(Nd4j.randn(DataType.DOUBLE, 5, 6).muli(0.6));
        }
        double logS = 0.4;
        LossGradients g = loss.compute(reps, logS, null);
        double h = 1e-6;
        for (int k = 0; k < m; k++) {
            INDArray r = reps.get(k);
            for (long i = 0; i < r.length(); i++) {
                double orig = r.getDouble(i);
                r.putScalar(i, orig + h);
                double up = loss.value(reps, logS, null);
                r.putScalar(i, orig - h);
                double down = loss.value(reps, logS, null);
                r.putScalar(i, orig);
                assertEquals((up - down) / (2 * h), g.gradients().get(k).getDouble(i), 1e-7, o + " M " + m + " r" + k);
            }
        }
        double numeric = (loss.value(reps, logS + h, null) - loss.value(reps, logS - h, null)) / (2 * h);
        assertEquals(numeric, g.gradLogScale(), 1e-7);
    }

    /** A graph of the given representations (variables r0..), its logit scale "ls" and the loss "loss". */
    private static SameDiff graph(List<INDArray> reps, double logScale, TupleObjectiveLoss loss, List<String> vars) {
        SameDiff sd = SameDiff.create();
        List<SDVariable> v = new ArrayList<>();
        for (int k = 0; k < reps.size(); k++) {
            v.add(sd.var("r" + k, reps.get(k).dup()));
            vars.add("r" + k);
        }
        LogitScale scale = LogitScale.create(sd, "ls", logScale, false, reps.get(0).dataType());
        vars.add("ls");
        loss.build(sd, "loss", v, scale);
        sd.setLossVariables("loss");
        return sd;
    }

    /** The graph form reproduces the reference cases: DOUBLE within 1e-9, FLOAT within 1e-5 relative. */
    @ParameterizedTest
    @ValueSource(strings = {"gram_M3_all.json", "gram_M3_anchor0.json", "gram_M4_all.json", "triangle_M3_all.json",
        "triangle_M3_anchor0.json"})
    void theGraphFormMatchesTheReferenceCases(String file) {
        JsonNode c = ReferenceVectors.load(file);
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            List<String> vars = new ArrayList<>();
            SameDiff sd = graph(ReferenceVectors.matrices(c.get("representations"), dt),
                    c.get("log_logit_scale").asDouble(), lossOf(c), vars);
            boolean dbl = dt == DataType.DOUBLE;
            double expected = c.get("expected_loss").asDouble();
            double got = sd.output(new HashMap<>(), "loss").get("loss").getDouble(0);
            assertEquals(expected, got, dbl ? 1e-9 : 1e-5 * Math.abs(expected), file + " loss " + dt);
            Map<String, INDArray> grads = sd.calculateGradients(new HashMap<>(), vars.toArray(new String[0]));
            List<INDArray> want = ReferenceVectors.matrices(c.get("expected_grad_representations"), DataType.DOUBLE);
            for (int m = 0; m < want.size(); m++) {
                double scale = dbl ? 1 : Math.max(1e-3, want.get(m).amaxNumber().doubleValue());
                double err = grads.get("r" + m).castTo(DataType.DOUBLE).sub(want.get(m)).amaxNumber().doubleValue();
                assertTrue(err <= (dbl ? 1e-9 : 1e-5 * scale), file + " grad " + m + " " + dt + ": " + err);
            }
            double gs = c.get("expected_grad_log_logit_scale").asDouble();
            assertEquals(gs, grads.get("ls").getDouble(0), dbl ? 1e-9 : 1e-5 * Math.max(1, Math.abs(gs)));
        }
    }

    /** Central-difference check of the graph form in DOUBLE (every representation entry and log s). */
    @ParameterizedTest
    @CsvSource({"GRAM,2,0.0,", "GRAM,3,0.1,1", "GRAM,4,0.1,", "TRIANGLE,3,0.1,", "TRIANGLE,3,0.0,2"})
    void theGraphFormPassesACentralDifferenceCheck(TupleObjective o, int m, double eps, String anchor) {
        Nd4j.getRandom().setSeed(60 + m);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            reps.add(Nd4j.randn(DataType.DOUBLE, 4, 5).muli(0.6));
        }
        List<String> vars = new ArrayList<>();
        int[] anchors = anchor == null ? null : new int[] {Integer.parseInt(anchor)};
        SameDiff sd = graph(reps, 0.3, new TupleObjectiveLoss(o, eps, anchors), vars);
        assertTrue(GradientCheck.check(sd, "loss", vars, new HashMap<>(), f -> { }, 1e-6, 1e-6) < 1e-6);
    }

    /** M = 2 with unit vectors: GRAM's volume is |sin| of the angle between them. */
    @Test
    void twoUnitVectorsSpanTheirSine() {
        double[] angles = {0.3, 1.1, 2.0, 2.9};
        INDArray a = Nd4j.createFromArray(new double[][] {{1, 0}});
        List<INDArray> q = new ArrayList<>();
        double[][] rows = new double[angles.length][];
        for (int i = 0; i < angles.length; i++) {
            rows[i] = new double[] {Math.cos(angles[i]), Math.sin(angles[i])};
        }
        q.add(Nd4j.createFromArray(rows));
        INDArray s = TupleObjectiveLoss.zeroShotScores(TupleObjective.GRAM, a, q, 0.0);
        for (int i = 0; i < angles.length; i++) {
            assertEquals(-Math.abs(Math.sin(angles[i])), s.getDouble(i, 0), 1e-12);
        }
    }

    /** A degenerate tuple (repeated vectors) scores the floor and passes no NaN into the gradients. */
    @Test
    void degenerateTuplesStayFinite() {
        INDArray r = Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
        LossGradients g = new TupleObjectiveLoss(TupleObjective.GRAM, 0.1, null).eager().compute(List.of(r, r.dup(),
                r.dup()), 1.0, null);
        assertTrue(Double.isFinite(g.loss()));
        for (INDArray x : g.gradients()) {
            assertTrue(Double.isFinite(x.sumNumber().doubleValue()), x.toString());
        }
        double[] gram = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        double[] grad = new double[9];
        assertEquals(Math.sqrt(TupleObjective.DET_FLOOR), TupleObjective.GRAM.score(gram, 3, new double[18], grad));
        assertEquals(0, java.util.Arrays.stream(grad).map(Math::abs).sum());
    }

    /**
     * The M = 3 form (products shared by the anchors, scores written out) equals the general elimination form: in
     * DOUBLE to 1e-12 and in FLOAT to 1e-5, with a degenerate tuple among the pairs, for every anchor choice.
     */
    @ParameterizedTest
    @CsvSource({"GRAM,0.1,", "GRAM,0.0,1", "GRAM,0.05,0;2", "TRIANGLE,0.1,", "TRIANGLE,0.0,2", "TRIANGLE,0.2,1;0"})
    void theThreeModalityFormEqualsTheGeneralForm(TupleObjective o, double eps, String anchorList) {
        int[] anchors = anchorList == null ? null
                : java.util.Arrays.stream(anchorList.split(";")).mapToInt(Integer::parseInt).toArray();
        Nd4j.getRandom().setSeed(77);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            reps.add(Nd4j.randn(DataType.DOUBLE, 37, 9).muli(0.5));
        }
        // row 5 of every modality the same vector: pair (5, 5) of every anchor is degenerate for GRAM
        reps.get(1).putRow(5, reps.get(0).getRow(5));
        reps.get(2).putRow(5, reps.get(0).getRow(5));
        TupleObjectiveClosedForm general = (TupleObjectiveClosedForm) new TupleObjectiveLoss(o, eps, anchors).eager();
        LossGradients want = general.general(reps, 0.7);
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            List<INDArray> in = new ArrayList<>();
            reps.forEach(r -> in.add(r.castTo(dt)));
            EagerLoss triad = new TupleObjectiveLoss(o, eps, anchors).eager();
            for (int round = 0; round < 2; round++) { // the second call reuses the scratch arrays
                LossGradients got = triad.compute(in, 0.7, null);
                double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                assertEquals(want.loss(), got.loss(), tol * Math.abs(want.loss()), dt + " loss");
                assertEquals(want.gradLogScale(), got.gradLogScale(), tol * Math.max(1, Math.abs(want.gradLogScale())),
                        dt + " d/dlog s");
                for (int k = 0; k < 3; k++) {
                    INDArray diff = got.gradients().get(k).castTo(DataType.DOUBLE).sub(want.gradients().get(k));
                    double scale = Math.max(1e-3, want.gradients().get(k).amaxNumber().doubleValue());
                    assertEquals(0, diff.amaxNumber().doubleValue() / scale, tol, dt + " gradient " + k);
                }
                assertEquals(got.loss(), triad.value(in, 0.7, null), 0.0, "value alone");
            }
        }
    }

    /**
     * Logits hundreds apart (representations of norm 16, as Symile-M3's LayerNorm outputs at d 256): the graph forms
     * stay finite and equal the closed forms. libnd4j's log_softmax gives −∞ there, which made the loss infinite.
     */
    @Test
    void graphFormsStayFiniteForWidelySpreadLogits() {
        Nd4j.getRandom().setSeed(12);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            reps.add(Nd4j.randn(DataType.FLOAT, 64, 256));
        }
        for (TupleObjective o : TupleObjective.values()) {
            TupleObjectiveLoss loss = new TupleObjectiveLoss(o, 0.1, null);
            double graph = new LossEvaluator(loss::build, DataType.FLOAT).evaluate(reps, 0.0, null).loss();
            double closed = loss.eager().value(reps, 0.0, null);
            assertTrue(Double.isFinite(graph) && closed > 100, o + " graph " + graph + " closed " + closed);
            assertEquals(closed, graph, 1e-5 * closed, o.toString());
        }
        List<INDArray> far = List.of(reps.get(0), reps.get(1).neg());
        double graph = LossEvaluator.clip(DataType.FLOAT).evaluate(far, Math.log(20), null).loss();
        double closed = EagerLoss.clip().value(far, Math.log(20), null);
        assertTrue(Double.isFinite(graph) && closed > 100, "clip graph " + graph + " closed " + closed);
        assertEquals(closed, graph, 1e-5 * closed, "clip");
    }

    /** The Vector API rows and the plain loops agree (the JVM takes one or the other), both objectives. */
    @Test
    void vectorAndScalarRowsAgree() {
        Nd4j.getRandom().setSeed(31);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            reps.add(Nd4j.randn(DataType.DOUBLE, 45, 7).muli(0.4)); // 45: five full 8-lane vectors and a tail
        }
        for (TupleObjective o : TupleObjective.values()) {
            LossGradients fast = new TupleObjectiveLoss(o, 0.1, new int[] {2, 0}).eager().compute(reps, 0.3, null);
            String old = System.setProperty(SoftmaxRows.NO_VECTOR_PROPERTY, "true");
            LossGradients plain;
            try {
                plain = new TupleObjectiveLoss(o, 0.1, new int[] {2, 0}).eager().compute(reps, 0.3, null);
            } finally {
                if (old == null) {
                    System.clearProperty(SoftmaxRows.NO_VECTOR_PROPERTY);
                } else {
                    System.setProperty(SoftmaxRows.NO_VECTOR_PROPERTY, old);
                }
            }
            assertEquals(plain.loss(), fast.loss(), 1e-12 * Math.abs(plain.loss()), o + " loss");
            assertEquals(plain.gradLogScale(), fast.gradLogScale(), 1e-12, o + " d/dlog s");
            for (int k = 0; k < 3; k++) {
                assertEquals(0, plain.gradients().get(k).sub(fast.gradients().get(k)).amaxNumber().doubleValue(),
                        1e-12, o + " gradient " + k);
            }
        }
    }

    /** GRAM's M vectors in fewer than M dimensions span no volume: refused, naming the flags. */
    @Test
    void gramRefusesFewerDimensionsThanModalities() {
        INDArray r = Nd4j.randn(DataType.DOUBLE, 4, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TupleObjectiveLoss(TupleObjective.GRAM, 0, null).eager().compute(List.of(r, r, r), 0, null));
        assertEquals("--loss_fn gram: M = 3 vectors in d = 2 dimensions span no volume; needs --d >= 3",
                e.getMessage());
        TupleObjective.TRIANGLE.checkDimensions(3, 2);
    }

    @Test
    void refusesWhatIsNotDefined() {
        INDArray r = Nd4j.randn(DataType.DOUBLE, 4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TupleObjectiveLoss(TupleObjective.TRIANGLE, 0, null).eager().compute(List.of(r, r, r, r), 0,
                        null));
        assertEquals("--loss_fn triangle: defined for exactly 3 modalities, got M = 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TupleObjectiveLoss(TupleObjective.GRAM, 1.0, null));
        assertTrue(e.getMessage().startsWith("--label_smoothing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TupleObjectiveLoss(TupleObjective.GRAM, 0,
                new int[] {3}).eager().compute(List.of(r, r, r), 0, null));
        assertTrue(e.getMessage().startsWith("--anchors"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TupleObjectiveLoss(TupleObjective.GRAM, 0,
                new int[] {1, 1}));
        assertTrue(e.getMessage().startsWith("--anchors"), e.getMessage());
        SameDiff sd = SameDiff.create();
        List<SDVariable> five = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            five.add(sd.var("r" + k, Nd4j.randn(DataType.DOUBLE, 3, 6)));
        }
        LogitScale scale = LogitScale.create(sd, "ls", 0, false, DataType.DOUBLE);
        e = assertThrows(IllegalArgumentException.class, () -> new TupleObjectiveLoss(TupleObjective.GRAM, 0, null)
                .build(sd, "loss", five, scale));
        assertTrue(e.getMessage().contains("closed form"), e.getMessage());
        LossGraph closed = new TupleObjectiveLoss(TupleObjective.GRAM, 0, null).withForm(LossForm.CLOSED_FORM)
                .build(sd, "loss5", five, scale);
        assertEquals(LossForm.CLOSED_FORM, new TupleObjectiveLoss(TupleObjective.GRAM, 0, null)
                .withForm(LossForm.CLOSED_FORM).form());
        assertTrue(closed.loss() != null);
    }
}
