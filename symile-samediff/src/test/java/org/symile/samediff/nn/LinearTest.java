package org.symile.samediff.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.GradientCheck;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossGraph;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;

class LinearTest {

    /**
     * uniform draws in row-major order and rounds each double draw once: across its chunk boundaries (2^20 draws)
     * the result equals the draws made one by one, in FLOAT and in DOUBLE.
     */
    @Test
    void uniformDrawsInRowMajorOrderAcrossChunks() {
        long[] shape = {3, (1 << 19) + 7};
        for (DataType dtype : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray u = Linear.uniform(new SplittableRandom(5), 0.25, dtype, shape);
            assertEquals(dtype, u.dataType());
            assertEquals(List.of(shape[0], shape[1]), List.of(u.shape()[0], u.shape()[1]));
            SplittableRandom rng = new SplittableRandom(5);
            double[] flat = u.castTo(DataType.DOUBLE).reshape(u.length()).toDoubleVector();
            for (int i = 0; i < flat.length; i++) {
                double v = (2 * rng.nextDouble() - 1) * 0.25;
                assertEquals(dtype == DataType.FLOAT ? (float) v : v, flat[i], 0.0, "draw " + i);
            }
        }
    }

    @Test
    void initialisesLikePyTorchAndComputesXWPlusB() {
        SameDiff sd = SameDiff.create();
        Linear lin = Linear.create(sd, "f", 4, 3, true, new SplittableRandom(1), DataType.DOUBLE);
        double bound = 0.5; // 1/sqrt(4)
        for (INDArray p : List.of(lin.weight().getArr(), lin.bias().getArr())) {
            assertTrue(p.amaxNumber().doubleValue() <= bound, "within ±1/sqrt(fan_in)");
        }
        assertEquals(List.of(4L, 3L), List.of(lin.weight().getArr().shape()[0], lin.weight().getArr().shape()[1]));
        INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 4);
        SDVariable in = sd.placeHolder("x", DataType.DOUBLE, -1, 4);
        lin.apply(sd, in).rename("y");
        INDArray expected = x.mmul(lin.weight().getArr()).addiRowVector(lin.bias().getArr());
        INDArray y = sd.output(Map.of("x", x), "y").get("y");
        assertTrue(expected.equalsWithEps(y, 1e-12));
    }

    /** Regression: with nn.linear, the second execution of this graph returned a different loss. */
    @Test
    void lossOverLinearEncodersIsTheSameOnEveryExecution() {
        Nd4j.getRandom().setSeed(3);
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        Map<String, INDArray> feed = new HashMap<>();
        for (int m = 0; m < 3; m++) {
            SDVariable x = sd.placeHolder("x" + m, DataType.FLOAT, -1, 4);
            reps.add(L2Normalize.apply(sd, Linear.create(sd, "f" + m, 4, 4, true, new SplittableRandom(m),
                    DataType.FLOAT).apply(sd, x)));
            feed.put("x" + m, Nd4j.randn(DataType.FLOAT, 6, 4));
        }
        LossGraph g = new SymileLoss(NegativeSampling.N).build(sd, "loss", reps,
                LogitScale.create(sd, "ls", 0.3, false, DataType.FLOAT));
        double first = Double.NaN;
        for (int i = 0; i < 4; i++) {
            Map<String, INDArray> f = new HashMap<>(feed);
            g.feed(sd, f, 6, Permutations.random(new SplittableRandom(5)));
            double loss = sd.output(f, "loss").get("loss").getDouble(0);
            if (i == 0) {
                first = loss;
            }
            assertEquals(first, loss, 0.0, "execution " + i);
        }
    }

    @Test
    void gradientCheck() {
        Nd4j.getRandom().setSeed(7);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        Linear lin = Linear.create(sd, "f", 3, 2, true, new SplittableRandom(2), DataType.DOUBLE);
        SDVariable y = lin.apply(sd, x);
        y.mul(y).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, INDArray> feed = Map.of("x", Nd4j.randn(DataType.DOUBLE, 4, 3));
        assertTrue(GradientCheck.check(sd, "loss", List.of("f_W", "f_b"), feed, f -> { }, 1e-6, 1e-6) < 1e-6);
    }
}
