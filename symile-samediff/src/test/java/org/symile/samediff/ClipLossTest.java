package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

class ClipLossTest {

    @Test
    void matchesReferenceInDoubleAndFloat() {
        JsonNode c = ReferenceVectors.load("clip_M3.json");
        SymileLossTest.assertCase(c, LossEvaluator.clip(DataType.DOUBLE), 1e-9, 0);
        SymileLossTest.assertCase(c, LossEvaluator.clip(DataType.FLOAT), 0, 1e-5);
    }

    /** A narrow and a wide width (the graph form is the same for both). */
    @ParameterizedTest
    @ValueSource(ints = {3, 128})
    void isSumOfPairwiseSymmetricInfoNce(int d) {
        Nd4j.getRandom().setSeed(1);
        List<INDArray> reps = List.of(Nd4j.randn(DataType.DOUBLE, 5, d), Nd4j.randn(DataType.DOUBLE, 5, d),
                Nd4j.randn(DataType.DOUBLE, 5, d));
        double ls = d == 3 ? 0.4 : -2.0;
        double expected = infoNce(reps.get(0), reps.get(1), ls) + infoNce(reps.get(1), reps.get(2), ls)
                + infoNce(reps.get(0), reps.get(2), ls);
        assertEquals(expected, LossEvaluator.clip(DataType.DOUBLE).loss(reps, ls, null), 1e-12);
    }

    private static double infoNce(INDArray u, INDArray v, double ls) {
        return infoNce(u, v, ls, 0);
    }

    /** torch.nn.functional.cross_entropy(L, arange(B), label_smoothing=eps), rows and columns averaged. */
    private static double infoNce(INDArray u, INDArray v, double ls, double eps) {
        double[][] l = u.mmul(v.transpose()).muli(Math.exp(ls)).toDoubleMatrix();
        double rows = 0;
        double cols = 0;
        int b = l.length;
        for (int i = 0; i < b; i++) {
            double sr = 0;
            double sc = 0;
            double mr = 0;
            double mc = 0;
            for (int j = 0; j < b; j++) {
                sr += Math.exp(l[i][j]);
                sc += Math.exp(l[j][i]);
                mr += l[i][j] / b;
                mc += l[j][i] / b;
            }
            rows += (1 - eps) * (Math.log(sr) - l[i][i]) + eps * (Math.log(sr) - mr);
            cols += (1 - eps) * (Math.log(sc) - l[i][i]) + eps * (Math.log(sc) - mc);
        }
        return (rows / b + cols / b) / 2;
    }

    /** Label smoothing: both forms equal a brute-force PyTorch-style smoothed cross-entropy, at ε 0.1 and 0.9. */
    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.9})
    void smoothedIsPyTorchsLabelSmoothing(double eps) {
        Nd4j.getRandom().setSeed(2);
        List<INDArray> reps = List.of(Nd4j.randn(DataType.DOUBLE, 6, 4), Nd4j.randn(DataType.DOUBLE, 6, 4),
                Nd4j.randn(DataType.DOUBLE, 6, 4));
        double ls = 0.3;
        double expected = 0;
        for (int a = 0; a < 3; a++) {
            for (int b = a + 1; b < 3; b++) {
                expected += infoNce(reps.get(a), reps.get(b), ls, eps);
            }
        }
        ClipLoss smoothed = new ClipLoss().withLabelSmoothing(eps);
        LossEvaluator.Result graph = LossEvaluator.clip(smoothed, DataType.DOUBLE).evaluate(reps, ls, null);
        LossEvaluator.Result closed = LossEvaluator.clip(smoothed.withForm(LossForm.CLOSED_FORM), DataType.DOUBLE)
                .evaluate(reps, ls, null);
        assertEquals(expected, graph.loss(), 1e-12);
        assertEquals(expected, closed.loss(), 1e-12);
        assertEquals(graph.gradLogScale(), closed.gradLogScale(), 1e-12);
        for (int k = 0; k < 3; k++) {
            assertTrue(graph.gradients().get(k).equalsWithEps(closed.gradients().get(k), 1e-12), "modality " + k);
        }
        // and smoothing changes the gradient, not only the value
        LossEvaluator.Result plain = LossEvaluator.clip(DataType.DOUBLE).evaluate(reps, ls, null);
        assertTrue(plain.gradients().get(0).sub(graph.gradients().get(0)).amaxNumber().doubleValue() > 1e-3);
    }

    @Test
    void labelSmoothingOutsideItsRangeIsRefused() {
        for (double eps : new double[] {-0.1, 1.0, Double.NaN}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> new ClipLoss().withLabelSmoothing(eps));
            assertTrue(e.getMessage().contains("label smoothing must be in [0, 1)"), e.getMessage());
        }
    }

    /** Central differences of the smoothed graph form (the smoothing terms are differentiable [1, d] products). */
    @Test
    void smoothedGradientCheck() {
        Nd4j.getRandom().setSeed(5);
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        List<String> vars = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            reps.add(sd.var("r" + k, Nd4j.randn(DataType.DOUBLE, 4, 3)));
            vars.add("r" + k);
        }
        LogitScale scale = LogitScale.create(sd, "ls", 0.2, false, DataType.DOUBLE);
        vars.add("ls");
        new ClipLoss().withLabelSmoothing(0.2).build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        assertTrue(GradientCheck.check(sd, "loss", vars, new HashMap<>(), f -> { }, 1e-6, 1e-6) < 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 128})
    void gradientCheck(int d) {
        Nd4j.getRandom().setSeed(4);
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        List<String> vars = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            reps.add(sd.var("r" + k, Nd4j.randn(DataType.DOUBLE, 4, d).divi(d == 3 ? 1 : Math.sqrt(d))));
            vars.add("r" + k);
        }
        LogitScale scale = LogitScale.create(sd, "ls", -0.1, false, DataType.DOUBLE);
        vars.add("ls");
        new ClipLoss().build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        Map<String, INDArray> none = new HashMap<>();
        assertTrue(GradientCheck.check(sd, "loss", vars, none, f -> { }, 1e-6, 1e-6) < 1e-6);
    }
}
