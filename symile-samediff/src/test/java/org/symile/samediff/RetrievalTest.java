package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Top-k retrieval and ranks against brute force over the full score matrix, for every chunking. */
class RetrievalTest {
    private static final int C = 23;
    private static final int Q = 9;

    private static INDArray bank() {
        Nd4j.getRandom().setSeed(4);
        INDArray b = Nd4j.randn(DataType.DOUBLE, C, 5);
        // duplicates, so that ties occur
        b.putRow(7, b.getRow(2));
        b.putRow(15, b.getRow(2));
        return b;
    }

    private static List<INDArray> queries() {
        Nd4j.getRandom().setSeed(5);
        return List.of(Nd4j.randn(DataType.DOUBLE, Q, 5), Nd4j.randn(DataType.DOUBLE, Q, 5));
    }

    @ParameterizedTest
    @CsvSource({"symile,1,4", "symile,3,4", "symile,100,30", "clip,5,6", "clip,23,1", "gram,3,4", "gram,100,30",
            "triangle,7,5"})
    void topKAndRanksMatchBruteForce(String flag, int chunk, int k) {
        ZeroShot.Score score = ZeroShot.Score.fromFlag(flag);
        INDArray bank = bank();
        List<INDArray> queries = queries();
        double[][] all = ZeroShot.scores(score, bank, queries, 1.7).toDoubleMatrix();
        Retrieval.TopK top = Retrieval.topK(score, bank, queries, 1.7, k, chunk);
        long[] truth = new long[Q];
        for (int i = 0; i < Q; i++) {
            truth[i] = (i * 5) % C;
            if (i == 0) {
                truth[i] = 7; // one of three identical candidates
            }
        }
        long[] ranks = Retrieval.ranks(score, bank, queries, truth, 1.7, chunk);
        long[] argmax = ZeroShot.argmax(score, bank, queries, 1.7, chunk);
        for (int i = 0; i < Q; i++) {
            Integer[] order = new Integer[C];
            for (int c = 0; c < C; c++) {
                order[c] = c;
            }
            final int row = i;
            java.util.Arrays.sort(order, (x, y) -> all[row][x] != all[row][y] ? Double.compare(all[row][y],
                    all[row][x]) : Integer.compare(x, y));
            int kk = Math.min(k, C);
            assertEquals(kk, top.indices()[i].length);
            for (int j = 0; j < kk; j++) {
                assertEquals(order[j].longValue(), top.indices()[i][j], "query " + i + " place " + j);
                assertEquals(all[i][order[j]], top.scores()[i][j], 1e-12);
            }
            long expected = 1;
            for (int c = 0; c < C; c++) {
                if (all[i][c] > all[i][(int) truth[i]] || (all[i][c] == all[i][(int) truth[i]] && c < truth[i])) {
                    expected++;
                }
            }
            assertEquals(expected, ranks[i], "rank of query " + i);
            assertEquals(argmax[i] == truth[i], ranks[i] == 1);
        }
    }

    @Test
    void metricsSummariseRanks() {
        Retrieval.Metrics m = Retrieval.Metrics.of(new long[] {1, 2, 6, 11});
        assertEquals(4, m.queries());
        assertEquals(0.25, m.recallAt1(), 0.0);
        assertEquals(0.5, m.recallAt5(), 0.0);
        assertEquals(0.75, m.recallAt10(), 0.0);
        assertEquals(5.0, m.meanRank(), 0.0);
    }

    @Test
    void rejectsBadArguments() {
        INDArray bank = bank();
        List<INDArray> q = queries();
        assertThrows(IllegalArgumentException.class, () -> Retrieval.topK(ZeroShot.Score.SYMILE, bank, q, 1, 0, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Retrieval.ranks(
                ZeroShot.Score.SYMILE, bank, q, new long[] {0, 1, 2, 3, 4, 5, 6, 7, 99}, 1, 4));
        assertTrue(e.getMessage().contains("99"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Retrieval.ranks(ZeroShot.Score.SYMILE, bank, q,
                new long[] {0}, 1, 4));
    }
}
