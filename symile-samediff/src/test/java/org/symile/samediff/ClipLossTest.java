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
        double[][] l = u.mmul(v.transpose()).muli(Math.exp(ls)).toDoubleMatrix();
        double rows = 0;
        double cols = 0;
        int b = l.length;
        for (int i = 0; i < b; i++) {
            double sr = 0;
            double sc = 0;
            for (int j = 0; j < b; j++) {
                sr += Math.exp(l[i][j]);
                sc += Math.exp(l[j][i]);
            }
            rows += Math.log(sr) - l[i][i];
            cols += Math.log(sc) - l[i][i];
        }
        return (rows / b + cols / b) / 2;
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
