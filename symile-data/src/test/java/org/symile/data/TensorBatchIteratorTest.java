package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

class TensorBatchIteratorTest {

    private static List<TensorBatchIterator.Input> inputs(Path dir) {
        NpyFile x = NpyFile.open(dir.resolve("x.npy"));
        NpyFile y = NpyFile.open(dir.resolve("y.npy"));
        return List.of(new TensorBatchIterator.Input("x", x, null),
                new TensorBatchIterator.Input("y", y, DataType.INT));
    }

    private static Path files(Path dir) {
        float[][] x = new float[10][3];
        float[] y = new float[10];
        for (int i = 0; i < 10; i++) {
            y[i] = i;
            for (int j = 0; j < 3; j++) {
                x[i][j] = 3 * i + j;
            }
        }
        NpyFile.write(dir.resolve("x.npy"), Nd4j.createFromArray(x));
        NpyFile.write(dir.resolve("y.npy"), Nd4j.createFromArray(y));
        return dir;
    }

    @Test
    void inOrderBatchesKeepRowsAlignedAndCast(@TempDir Path dir) {
        TensorBatchIterator it = new TensorBatchIterator(inputs(files(dir)), 4, false, null);
        assertEquals(3, it.batchCount());
        List<Integer> sizes = new ArrayList<>();
        while (it.hasNext()) {
            Map<String, INDArray> b = it.nextBatch();
            sizes.add((int) b.get("x").rows());
            assertEquals(DataType.INT, b.get("y").dataType());
            for (int i = 0; i < b.get("x").rows(); i++) {
                assertEquals(b.get("y").getInt(i) * 3, b.get("x").getFloat(i, 0), 0f);
            }
        }
        assertEquals(List.of(4, 4, 2), sizes);
        TensorBatchIterator dropping = new TensorBatchIterator(inputs(dir), 4, true, null);
        assertEquals(2, dropping.batchCount());
    }

    @Test
    void shuffledEpochsCoverEveryRowOnceAndRepeatWithTheSeed(@TempDir Path dir) {
        files(dir);
        List<Integer> first = order(new TensorBatchIterator(inputs(dir), 3, false, new SplittableRandom(5)));
        List<Integer> again = order(new TensorBatchIterator(inputs(dir), 3, false, new SplittableRandom(5)));
        List<Integer> other = order(new TensorBatchIterator(inputs(dir), 3, false, new SplittableRandom(6)));
        assertEquals(first, again);
        assertNotEquals(first, other);
        assertEquals(10, new TreeSet<>(first).size());
        TensorBatchIterator it = new TensorBatchIterator(inputs(dir), 3, false, new SplittableRandom(5));
        List<Integer> epoch1 = order(it);
        it.reset();
        assertNotEquals(epoch1, order(it), "each reset draws a new order");
    }

    private static List<Integer> order(TensorBatchIterator it) {
        List<Integer> out = new ArrayList<>();
        while (it.hasNext()) {
            MultiDataSet m = it.next();
            INDArray x = m.getFeatures(0);
            INDArray y = m.getFeatures(1);
            for (int i = 0; i < y.length(); i++) {
                assertEquals(y.getInt(i) * 3, x.getFloat(i, 0), 0f, "rows stay aligned when shuffled");
                out.add(y.getInt(i));
            }
        }
        return out;
    }

    @Test
    void rejectsMisalignedInputs(@TempDir Path dir) throws Exception {
        files(dir);
        NpyFile.write(dir.resolve("z.npy"), Nd4j.zeros(DataType.FLOAT, 7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TensorBatchIterator(
                List.of(new TensorBatchIterator.Input("x", NpyFile.open(dir.resolve("x.npy")), null),
                        new TensorBatchIterator.Input("z", NpyFile.open(dir.resolve("z.npy")), null)), 2, false, null));
        assertTrue(e.getMessage().contains("z.npy") && e.getMessage().contains("7 rows"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("x.npy")));
    }
}
