package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ZeroShotTest {

    @Test
    void matchesReferenceScores() {
        JsonNode c = ReferenceVectors.load("zeroshot_scores.json");
        double s = Math.exp(c.get("log_logit_scale").asDouble());
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray cand = ReferenceVectors.matrix(c.get("candidates"), dt);
            List<INDArray> q = ReferenceVectors.matrices(c.get("queries"), dt);
            double tol = dt == DataType.DOUBLE ? 1e-9 : 1e-4;
            assertClose(c.get("expected_symile_scores"), ZeroShot.scores(ZeroShot.Score.SYMILE, cand, q, s), tol);
            assertClose(c.get("expected_clip_scores"), ZeroShot.scores(ZeroShot.Score.CLIP, cand, q, s), tol);
        }
    }

    /** ZeroShot ranks by −s·score for GRAM and TRIANGLE: the reference scores, in DOUBLE and FLOAT. */
    @Test
    void matchesReferenceTupleObjectiveScores() {
        for (String file : List.of("gram_zeroshot_M3.json", "triangle_zeroshot_M3.json")) {
            JsonNode c = ReferenceVectors.load(file);
            ZeroShot.Score score = ZeroShot.Score.fromFlag(c.get("loss_fn").asText());
            double s = Math.exp(c.get("log_logit_scale").asDouble());
            for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                INDArray cand = ReferenceVectors.matrix(c.get("candidates"), dt);
                List<INDArray> q = ReferenceVectors.matrices(c.get("queries"), dt);
                assertClose(c.get("expected_scores"), ZeroShot.scores(score, cand, q, s),
                        dt == DataType.DOUBLE ? 1e-9 : 1e-5);
            }
        }
    }

    private static void assertClose(JsonNode expected, INDArray actual, double tol) {
        double[][] a = actual.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < expected.size(); i++) {
            for (int j = 0; j < expected.get(i).size(); j++) {
                double e = expected.get(i).get(j).asDouble();
                assertEquals(e, a[i][j], tol * Math.max(1, Math.abs(e)), "score[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void chunkedArgmaxEqualsFullArgmaxAndKeepsFirstTie() {
        Nd4j.getRandom().setSeed(3);
        INDArray cand = Nd4j.randn(DataType.DOUBLE, 103, 6);
        List<INDArray> q = List.of(Nd4j.randn(DataType.DOUBLE, 9, 6), Nd4j.randn(DataType.DOUBLE, 9, 6));
        for (ZeroShot.Score score : ZeroShot.Score.values()) {
            INDArray full = ZeroShot.scores(score, cand, q, 1.3);
            long[] expected = full.argMax(1).toLongVector();
            assertArrayEquals(expected, ZeroShot.argmax(score, cand, q, 1.3, 10));
            assertArrayEquals(expected, ZeroShot.argmax(score, cand, q, 1.3, 1000));
        }
        // duplicated best candidate: the first copy wins, across a chunk boundary too
        INDArray dup = Nd4j.vstack(Nd4j.zeros(DataType.DOUBLE, 2, 2), Nd4j.ones(DataType.DOUBLE, 1, 2),
                Nd4j.ones(DataType.DOUBLE, 1, 2));
        long[] best = ZeroShot.argmax(ZeroShot.Score.SYMILE, dup,
                List.of(Nd4j.ones(DataType.DOUBLE, 1, 2), Nd4j.ones(DataType.DOUBLE, 1, 2)), 1.0, 3);
        assertArrayEquals(new long[] {2}, best);
    }

    @Test
    void rejectsMismatchedShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ZeroShot.scores(ZeroShot.Score.SYMILE, Nd4j.zeros(DataType.FLOAT, 4, 3),
                        List.of(Nd4j.zeros(DataType.FLOAT, 2, 3), Nd4j.zeros(DataType.FLOAT, 2, 5)), 1.0));
        assertTrue(e.getMessage().contains("query 1") && e.getMessage().contains("[2, 5]"), e.getMessage());
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> ZeroShot.scores(ZeroShot.Score.CLIP, Nd4j.zeros(DataType.FLOAT, 4, 3),
                        List.of(Nd4j.zeros(DataType.FLOAT, 2, 3), Nd4j.zeros(DataType.FLOAT, 3, 3)), 1.0));
        assertTrue(rows.getMessage().contains("same number of rows"), rows.getMessage());
    }
}
