package org.symile.app.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One minibatch: named arrays (placeholder name -> [rows, ...]) with the same number of rows.
 *
 * @param arrays model inputs by placeholder name, plus any side data (labels, indicators) the experiment needs
 * @param rows   batch size
 */
public record Batch(Map<String, INDArray> arrays, int rows) {
    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalStateException("batch has no array '" + name + "', only " + arrays.keySet());
        }
        return a;
    }
}
