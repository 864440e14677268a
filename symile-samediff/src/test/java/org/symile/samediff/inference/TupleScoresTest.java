package org.symile.samediff.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.ZeroShot;

class TupleScoresTest {

    /** The score of tuple i is the zero-shot score of query i with candidate i, for every score and M = 3, 4. */
    @Test
    void tupleScoresAreTheDiagonalOfZeroShotScores() {
        Nd4j.getRandom().setSeed(4);
        for (ZeroShot.Score score : ZeroShot.Score.values()) {
            for (int m = 3; m <= (score == ZeroShot.Score.TRIANGLE ? 3 : 4); m++) {
                INDArray cand = Nd4j.randn(DataType.DOUBLE, 5, 7);
                List<INDArray> queries = new java.util.ArrayList<>();
                for (int i = 0; i < m - 1; i++) {
                    queries.add(Nd4j.randn(DataType.DOUBLE, 5, 7));
                }
                INDArray all = ZeroShot.scores(score, cand, queries, 2.5);
                List<INDArray> tuple = new java.util.ArrayList<>(queries);
                tuple.add(cand);
                INDArray own = TupleScores.of(score, tuple, 2.5);
                for (int i = 0; i < 5; i++) {
                    assertEquals(all.getDouble(i, i), own.getDouble(i), 1e-12, score + " M " + m + " row " + i);
                }
            }
        }
    }

    @Test
    void clipIsTheScaledSumOfPairwiseDotProducts() {
        INDArray a = Nd4j.createFromArray(new double[][] {{1, 2}});
        INDArray b = Nd4j.createFromArray(new double[][] {{3, -1}});
        INDArray c = Nd4j.createFromArray(new double[][] {{0.5, 4}});
        // a·b = 1, a·c = 8.5, b·c = -2.5; MIP = 1·3·0.5 + 2·(−1)·4 = −6.5
        assertEquals(2 * 7.0, TupleScores.of(ZeroShot.Score.CLIP, List.of(a, b, c), 2).getDouble(0), 1e-12);
        assertEquals(2 * -6.5, TupleScores.of(ZeroShot.Score.SYMILE, List.of(a, b, c), 2).getDouble(0), 1e-12);
    }

    @Test
    void gramOfTwoUnitVectorsIsTheNegatedScaledSineOfTheirAngle() {
        double t = 0.7;
        INDArray a = Nd4j.createFromArray(new double[][] {{1, 0, 0}});
        INDArray b = Nd4j.createFromArray(new double[][] {{Math.cos(t), Math.sin(t), 0}});
        assertEquals(-3 * Math.sin(t), TupleScores.of(ZeroShot.Score.GRAM, List.of(a, b), 3).getDouble(0), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TupleScores.of(ZeroShot.Score.TRIANGLE, List.of(a, b), 3));
        assertTrue(e.getMessage().contains("--loss_fn triangle") && e.getMessage().contains("M = 2"), e.getMessage());
    }

    @Test
    void mismatchedShapesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TupleScores.of(
                ZeroShot.Score.SYMILE, List.of(Nd4j.zeros(3, 4), Nd4j.zeros(3, 5)), 1));
        assertTrue(e.getMessage().contains("modality 1") && e.getMessage().contains("[3, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TupleScores.of(ZeroShot.Score.CLIP,
                List.of(Nd4j.zeros(3, 4)), 1));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
    }
}
