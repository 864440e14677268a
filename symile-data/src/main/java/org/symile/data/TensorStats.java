package org.symile.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Minimum, maximum and mean of a tensor and its first values in row-major order, computed by streaming row
 * chunks (about 64 MiB at a time), so a 12 GB file is summarised without being loaded. Booleans count as 0/1.
 *
 * @param count elements; min/max/mean are NaN for an empty tensor
 * @param head  the first up-to-8 values in row-major order
 */
public record TensorStats(long count, double min, double max, double mean, double[] head) {

    /** Mean over rows of a [n, k] tensor, [k] (float32), read in row chunks. */
    public static INDArray columnMean(TensorSource t) {
        long rows = t.rows();
        long k = t.shape()[1];
        long chunk = Math.max(1, (64L << 20) / Math.max(1, k * t.elementType().width()));
        INDArray sum = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, k);
        for (long r = 0; r < rows; r += chunk) {
            sum.addi(t.readRows(r, Math.min(rows, r + chunk)).castTo(DataType.DOUBLE).sum(0));
        }
        return sum.divi(Math.max(1, rows)).castTo(DataType.FLOAT);
    }

    public static TensorStats of(TensorSource t) {
        long[] shape = t.shape();
        long rows = t.rows();
        long rowElems = 1;
        for (int i = 1; i < shape.length; i++) {
            rowElems *= shape[i];
        }
        long chunk = Math.max(1, (64L << 20) / Math.max(1, rowElems * t.elementType().width()));
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        long count = 0;
        double[] head = null;
        for (long r = 0; r < rows; r += chunk) {
            INDArray part = t.readRows(r, Math.min(rows, r + chunk));
            INDArray d = part.dataType() == DataType.DOUBLE ? part : part.castTo(DataType.DOUBLE);
            if (d.length() == 0) {
                continue;
            }
            if (head == null) {
                head = d.reshape(d.length()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,
                        Math.min(8, d.length()))).toDoubleVector();
            }
            min = Math.min(min, d.minNumber().doubleValue());
            max = Math.max(max, d.maxNumber().doubleValue());
            sum += d.sumNumber().doubleValue();
            count += d.length();
        }
        if (count == 0) {
            return new TensorStats(0, Double.NaN, Double.NaN, Double.NaN, new double[0]);
        }
        return new TensorStats(count, min, max, sum / count, head);
    }
}
