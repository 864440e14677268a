package org.symile.app.experiments.m3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.ZeroShot;

class M3RetrievalTest {

    /** Draws the given indices, in order. */
    static RandomGenerator draws(int... idx) {
        Deque<Integer> q = new ArrayDeque<>();
        for (int i : idx) {
            q.add(i);
        }
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int nextInt(int bound) {
                return q.removeFirst();
            }
        };
    }

    /** Row i's image is the unit vector e_i, its audio e_i and text ones: each query's best image is its own. */
    static M3Retrieval retrieval(long... classes) {
        int n = classes.length;
        List<INDArray> audio = new java.util.ArrayList<>();
        List<INDArray> image = new java.util.ArrayList<>();
        List<INDArray> text = new java.util.ArrayList<>();
        List<Long> cls = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            INDArray e = Nd4j.zeros(1, n);
            e.putScalar(0, i, 1.0);
            audio.add(e);
            image.add(e.dup());
            text.add(Nd4j.ones(1, n));
            cls.add(classes[i]);
        }
        return new M3Retrieval(audio, image, text, cls, ZeroShot.Score.SYMILE, 1.0, 2);
    }

    @Test
    void everyQueryFindsAnImageOfItsClass() {
        assertEquals(1.0, retrieval(0, 1, 2).accuracy(null, null), 0.0);
        assertEquals(4, retrieval(0, 1, 2, 3).size());
    }

    /** Upstream's bootstrap: the bank and the queries are two independent with-replacement resamples. */
    @Test
    void bootstrapResamplesBankAndQueriesIndependently() {
        // bank = images of rows 0, 0, 1; queries = rows 0, 1, 2
        M3Retrieval r = retrieval(0, 1, 2);
        assertEquals(2.0 / 3, r.accuracy(null, draws(0, 0, 1, 0, 1, 2)), 1e-12);
        // bank = 2, 2, 2; queries 2, 2, 0: both row-2 queries are right
        assertEquals(2.0 / 3, r.accuracy(null, draws(2, 2, 2, 2, 2, 0)), 1e-12);
        // a class shared by two rows: query 0 retrieves row 1's image (its class, so right); queries of row 2
        // find no image of class 6 in the bank
        M3Retrieval shared = retrieval(5, 5, 6);
        assertEquals(1.0 / 3, shared.accuracy(null, draws(1, 1, 1, 0, 2, 2)), 1e-12);
    }
}
