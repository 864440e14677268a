package org.symile.app.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.samediff.Rows;

/**
 * One minibatch: named arrays (placeholder name -> [rows, ...]) with the same number of rows.
 *
 * @param arrays   model inputs by placeholder name, plus any side data (labels, indicators) the experiment needs
 * @param rows     batch size
 * @param firstRow where these rows start in the step's whole batch: 0, or a micro-batch's offset (per-row random
 *                 choices such as dropout masks are drawn by the row's index in the whole batch)
 */
public record Batch(Map<String, INDArray> arrays, int rows, long firstRow) {

    /** A whole batch (first row 0). */
    public Batch(Map<String, INDArray> arrays, int rows) {
        this(arrays, rows, 0);
    }

    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalStateException("batch has no array '" + name + "', only " + arrays.keySet());
        }
        return a;
    }

    /**
     * Rows [from, to) of every array, as views (a micro-batch of a gradient-cached step).
     *
     * @throws IllegalStateException when an array does not have {@link #rows()} rows
     */
    public Batch slice(long from, long to) {
        if (from < 0 || to > rows || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a batch of " + rows);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, a) -> {
            if (a.rank() == 0 || a.size(0) != rows) {
                throw new IllegalStateException("batch array '" + k + "' has shape "
                        + java.util.Arrays.toString(a.shape()) + ", not " + rows + " rows");
            }
            out.put(k, Rows.range(a, from, to));
        });
        return new Batch(out, (int) (to - from), firstRow + from);
    }
}
