package org.symile.samediff.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.GradientCheck;

class L2NormalizeTest {

    @Test
    void normalisesRowsLikeTorchAndKeepsZeroRows() {
        INDArray x = Nd4j.createFromArray(new double[][] {{3, 4}, {0, 0}, {-1e-13, 0}});
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.constant("x", x);
        INDArray graph = L2Normalize.apply(sd, v).eval();
        INDArray eager = L2Normalize.apply(x);
        double[][] expected = {{0.6, 0.8}, {0, 0}, {-0.1, 0}};
        for (INDArray out : List.of(graph, eager)) {
            double[][] o = out.toDoubleMatrix();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    assertEquals(expected[i][j], o[i][j], 1e-12);
                }
            }
        }
    }

    @Test
    void gradientCheck() {
        Nd4j.getRandom().setSeed(2);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, 4, 3));
        SDVariable w = sd.constant(Nd4j.randn(DataType.DOUBLE, 4, 3));
        L2Normalize.apply(sd, x).mul(w).sum().rename("loss");
        sd.setLossVariables("loss");
        assertTrue(GradientCheck.check(sd, "loss", List.of("x"), new HashMap<>(), f -> { }, 1e-6, 1e-6) < 1e-6);
    }
}
