package org.symile.app.spark;

import java.io.Serializable;

/**
 * What a worker returns for phase 1 of a step with global negatives: its batch's representations in training mode
 * ({@code r0}, {@code r1}, ... [rows, d] in modality order, as an {@link ArrayBundle}).
 *
 * @param worker          the worker's index
 * @param representations the arrays
 * @param rows            the batch's rows
 */
record EncodeResult(int worker, byte[] representations, int rows) implements Serializable {
}
