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
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.GradientCheck;

/** Values and central-difference gradient checks (DOUBLE) of the network building blocks. */
class NetworkBlocksTest {

    /** Names of the graph's trainable variables (shared with EagerTextEncoderTest). */
    static List<String> variables(SameDiff sd) {
        List<String> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                out.add(v.name());
            }
        }
        return out;
    }

    /** A loss that weights every output element differently, so every gradient entry is exercised. */
    private static void weightedLoss(SameDiff sd, SDVariable y, long... shape) {
        y.mul(sd.constant(Nd4j.rand(DataType.DOUBLE, shape).subi(0.5))).sum().rename("loss");
        sd.setLossVariables("loss");
    }

    @Test
    void layerNormMatchesTheFormulaAndHasExactGradients() {
        Nd4j.getRandom().setSeed(1);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, 2, 3, 4));
        LayerNorm ln = LayerNorm.create(sd, "ln", 4, 1e-5, DataType.DOUBLE);
        ln.gamma().getArr().assign(Nd4j.createFromArray(1.0, 2.0, 0.5, -1.0));
        SDVariable y = ln.apply(sd, x, 3);
        INDArray xv = x.getArr();
        INDArray out = y.eval();
        double[] row = xv.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1),
                org.nd4j.linalg.indexing.NDArrayIndex.point(2), org.nd4j.linalg.indexing.NDArrayIndex.all())
                .toDoubleVector();
        double mean = (row[0] + row[1] + row[2] + row[3]) / 4;
        double var = 0;
        for (double r : row) {
            var += (r - mean) * (r - mean) / 4;
        }
        assertEquals((row[1] - mean) / Math.sqrt(var + 1e-5) * 2.0, out.getDouble(1, 2, 1), 1e-12);
        weightedLoss(sd, y, 2, 3, 4);
        assertTrue(GradientCheck.check(sd, "loss", variables(sd), new HashMap<>(), f -> { }, 1e-6, 1e-6) < 1e-6);
    }

    @Test
    void geluIsTheExactErfForm() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.createFromArray(-2.0, -0.5, 0.0, 0.7, 3.0));
        INDArray y = Gelu.apply(sd, x).eval();
        // 0.5 x (1 + erf(x / sqrt 2)), reference values from Python's math.erf
        assertEquals(0.5306254434438489, y.getDouble(3), 1e-9);
        assertEquals(-0.04550026389635842, y.getDouble(0), 1e-9);
        weightedLoss(sd, Gelu.apply(sd, x), 5);
        assertTrue(GradientCheck.check(sd, "loss", List.of("x"), new HashMap<>(), f -> { }, 1e-6, 1e-6) < 1e-6);
    }

    @Test
    void embeddingLooksUpRowsWithExactGradients() {
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
        Embedding e = Embedding.create(sd, "emb", 7, 3, 1.0, new SplittableRandom(1), DataType.DOUBLE);
        SDVariable y = e.apply(sd, ids);
        INDArray idv = Nd4j.createFromArray(new int[][] {{1, 6, 1}, {0, 3, 5}});
        INDArray out = sd.output(Map.of("ids", idv), y.name()).get(y.name());
        assertEquals(List.of(2L, 3L, 3L), List.of(out.shape()[0], out.shape()[1], out.shape()[2]));
        assertEquals(e.table().getArr().getDouble(6, 2), out.getDouble(0, 1, 2), 0.0);
        weightedLoss(sd, y, 2, 3, 3);
        assertTrue(GradientCheck.check(sd, "loss", List.of("emb"), Map.of("ids", idv), f -> { }, 1e-6, 1e-6)
                < 1e-6);
    }

    @Test
    void textEncoderHasExactGradients() {
        Nd4j.getRandom().setSeed(5);
        SameDiff sd = SameDiff.create();
        TextEncoder.Config c = new TextEncoder.Config(11, 4, 2, 6, 10, 1, 1e-5, 1, true);
        SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
        SDVariable pos = sd.placeHolder("pos", DataType.INT32, -1, -1);
        SDVariable mask = sd.placeHolder("mask", DataType.DOUBLE, -1, -1);
        TextEncoder enc = new TextEncoder(sd, "text", c, ids, pos, mask, new SplittableRandom(6), DataType.DOUBLE);
        weightedLoss(sd, enc.output(), 2, 5, 4);
        int[][] idv = {{0, 4, 9, 2, 1}, {0, 7, 2, 1, 1}};
        Map<String, INDArray> feed = Map.of("ids", Nd4j.createFromArray(idv), "pos",
                Nd4j.createFromArray(TextEncoder.positionIds(idv, c)), "mask",
                Nd4j.createFromArray(new double[][] {{1, 1, 1, 1, 0}, {1, 1, 1, 0, 0}}));
        assertEquals(List.of(2, 3, 4, 5, 1), java.util.Arrays.stream(TextEncoder.positionIds(idv, c)[0]).boxed()
                .toList());
        assertTrue(GradientCheck.check(sd, "loss", variables(sd), feed, f -> { }, 1e-6, 1e-5, 6) < 1e-5);
    }

    @Test
    void eagerLookupRefusesIdsOutsideTheTable() {
        INDArray table = Nd4j.rand(DataType.FLOAT, 5, 3);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Embedding.lookup(table, Nd4j.createFromArray(new int[][] {{0, 5}})));
        assertTrue(e.getMessage().contains("token id 5"), e.getMessage());
        INDArray rows = Embedding.lookup(table, Nd4j.createFromArray(new int[][] {{4, 0}, {4, 4}}));
        assertEquals(table.getFloat(4, 2), rows.getFloat(1, 1, 2), 0f);
    }
}
