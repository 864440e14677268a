package org.symile.app.train;

import java.util.Iterator;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/** A {@link BatchSource} whose batches are transformed on the way out (e.g. raw tensors into model inputs). */
public final class MappedBatches implements BatchSource {
    private final BatchSource inner;
    private final UnaryOperator<Batch> map;

    public MappedBatches(BatchSource inner, UnaryOperator<Batch> map) {
        this.inner = inner;
        this.map = map;
    }

    @Override
    public long rows() {
        return inner.rows();
    }

    @Override
    public int batchCount() {
        return inner.batchCount();
    }

    @Override
    public Batch batchOf(long[] rows) {
        return map.apply(inner.batchOf(rows));
    }

    @Override
    public Iterator<Batch> epoch(RandomGenerator shuffle) {
        Iterator<Batch> it = inner.epoch(shuffle);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Batch next() {
                return map.apply(it.next());
            }
        };
    }
}
