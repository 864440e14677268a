package org.symile.app.experiments.custom;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.train.Batch;
import org.symile.data.custom.CustomLayout;

/**
 * Turns a batch of stored tensors into the custom model's inputs: features as they are; categories and tokens as
 * each row's normalised id counts [B, V] (a row's mean over its real positions of one-hot ids, so the first layer's
 * product with them is the mean-pooled embedding lookup); missingness indicators as [B, 1] floats.
 */
final class CustomInputs {
    private final CustomArchitecture architecture;
    private final DataType dtype;

    CustomInputs(CustomArchitecture architecture, DataType dtype) {
        this.architecture = architecture;
        this.dtype = dtype;
    }

    Batch apply(Batch raw) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (CustomArchitecture.Encoder e : architecture.encoders()) {
            INDArray x = raw.get(e.name());
            out.put(e.name(), switch (e.kind()) {
                case FEATURES -> x.castTo(dtype);
                case CATEGORIES, TOKENS -> counts(e, x, e.mask() ? raw.get(CustomLayout.maskName(e.name())) : null);
            });
            if (e.missing()) {
                INDArray m = raw.get(CustomLayout.missingName(e.name()));
                out.put(CustomLayout.missingName(e.name()), m.castTo(dtype).reshape(m.length(), 1));
            }
        }
        return new Batch(out, raw.rows(), raw.firstRow());
    }

    /** [B, V]: row i holds count_i(v) / (real positions of row i) (0 for a row without one). */
    INDArray counts(CustomArchitecture.Encoder e, INDArray ids, INDArray mask) {
        int rows = (int) ids.size(0);
        long[][] id = ids.castTo(DataType.LONG).reshape(rows, ids.length() / Math.max(1, rows)).toLongMatrix();
        double[][] real = mask == null ? null : mask.castTo(DataType.DOUBLE).reshape(rows, id[0].length)
                .toDoubleMatrix();
        double[][] c = new double[rows][(int) e.inputs()];
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int p = 0; p < id[r].length; p++) {
                if (real == null || real[r][p] != 0) {
                    n++;
                }
            }
            for (int p = 0; p < id[r].length; p++) {
                if (real == null || real[r][p] != 0) {
                    long v = id[r][p];
                    if (v < 0 || v >= e.inputs()) {
                        throw new IllegalArgumentException("modality '" + e.name() + "': id " + v + " outside the"
                                + " model's vocabulary of " + e.inputs() + " ids");
                    }
                    c[r][(int) v] += 1.0 / n;
                }
            }
        }
        return Nd4j.createFromArray(c).castTo(dtype);
    }
}
