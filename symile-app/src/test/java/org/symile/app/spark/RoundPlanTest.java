package org.symile.app.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.train.RngStream;
import org.symile.data.TensorBatchIterator;

/** How an epoch is split among workers and rounds, and how replicas' arrays travel and are averaged. */
class RoundPlanTest {

    @Test
    void everyBatchIsTrainedOnceByWorkerIModW() {
        long[] order = TensorBatchIterator.shuffledOrder(23, new RngStream(3));
        long[][] batches = SparkTraining.batches(order, 4, 6); // 5 full batches and one of 3 rows
        assertEquals(3, batches[5].length);
        long[] seeds = {10, 11, 12, 13, 14, 15};
        int workers = 4;
        int frequency = 1;
        List<Long> rows = new ArrayList<>();
        List<Long> seen = new ArrayList<>();
        for (int r = 0; r < 2; r++) { // ceil(ceil(6 / 4) / 1) rounds
            for (RoundTask t : SparkTraining.tasks(batches, seeds, r, workers, frequency)) {
                for (int b = 0; b < t.batches().length; b++) {
                    int i = (r * frequency + b) * workers + t.worker();
                    assertArrayEquals(batches[i], t.batches()[b]);
                    assertEquals(seeds[i], t.negativeSeeds()[b]);
                    seen.add(seeds[i]);
                    for (long row : t.batches()[b]) {
                        rows.add(row);
                    }
                }
            }
        }
        assertEquals(List.of(10L, 11L, 12L, 13L, 14L, 15L), seen.stream().sorted().toList());
        assertEquals(23, rows.size());
        assertEquals(23, rows.stream().distinct().count());
        // the second round: only workers 0 and 1 have batches left
        assertEquals(List.of(0, 1), SparkTraining.tasks(batches, seeds, 1, workers, frequency).stream()
                .map(RoundTask::worker).toList());
        // two steps per round: one round covers each worker's whole share
        List<RoundTask> one = SparkTraining.tasks(batches, seeds, 0, workers, 2);
        assertEquals(List.of(2, 2, 1, 1), one.stream().map(t -> t.batches().length).toList());
        assertEquals(0, SparkTraining.tasks(batches, seeds, 1, workers, 2).size());
    }

    @Test
    void shuffledOrderIsTheIteratorsOrder() {
        long[] order = TensorBatchIterator.shuffledOrder(50, new RngStream(9));
        INDArray rows = Nd4j.arange(50).castTo(DataType.FLOAT).reshape(50, 1);
        var it = new TensorBatchIterator(List.of(new TensorBatchIterator.Input("x",
                new org.symile.data.ArrayTensor("x", rows), null)), 50, false, new RngStream(9));
        INDArray batch = it.nextBatch().get("x");
        for (int i = 0; i < 50; i++) {
            assertEquals(order[i], (long) batch.getDouble(i, 0));
        }
    }

    @Test
    void bundlesRoundTripAndAverageInOrder() {
        INDArray big = Nd4j.linspace(1, 12, 12, DataType.FLOAT).reshape(3, 4);
        Map<String, INDArray> a = new LinkedHashMap<>();
        a.put("w", big.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3))); // a view
        a.put("d", Nd4j.createFromArray(1.0, 2.0));
        Map<String, INDArray> back = ArrayBundle.read(ArrayBundle.write(a));
        assertEquals(List.of("w", "d"), List.copyOf(back.keySet()));
        assertEquals(a.get("w"), back.get("w"));
        assertEquals(DataType.DOUBLE, back.get("d").dataType());

        Map<String, INDArray> b = new LinkedHashMap<>();
        b.put("w", Nd4j.zeros(DataType.FLOAT, 3, 2));
        b.put("d", Nd4j.createFromArray(3.0, 6.0));
        Map<String, INDArray> mean = ArrayBundle.mean(List.of(ArrayBundle.write(a), ArrayBundle.write(b)));
        assertEquals(a.get("w").div(2), mean.get("w"));
        assertEquals(Nd4j.createFromArray(2.0, 4.0), mean.get("d"));

        Map<String, INDArray> other = Map.of("v", Nd4j.zeros(2));
        assertThrows(IllegalStateException.class, () -> ArrayBundle.mean(List.of(ArrayBundle.write(b),
                ArrayBundle.write(other))));
    }
}
