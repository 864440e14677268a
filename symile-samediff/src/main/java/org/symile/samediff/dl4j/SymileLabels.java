package org.symile.samediff.dl4j;

import java.nio.ByteOrder;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;

/**
 * Supplies the labels a {@link SymileOutputLayer} needs: attach it to the training {@code MultiDataSetIterator}
 * ({@code iterator.setPreProcessor(...)}) and every minibatch gets fresh O(N) permutations from a seeded
 * generator, so runs are reproducible.
 */
public final class SymileLabels implements MultiDataSetPreProcessor {
    private final int numModalities;
    private final NegativeSampling negativeSampling;
    private final Permutations permutations;

    public SymileLabels(int numModalities, NegativeSampling negativeSampling, RandomGenerator rng) {
        if (numModalities < 2) {
            throw new IllegalArgumentException("numModalities: expected M >= 2, got " + numModalities);
        }
        this.numModalities = numModalities;
        this.negativeSampling = Objects.requireNonNull(negativeSampling, "negativeSampling");
        this.permutations = Permutations.random(Objects.requireNonNull(rng, "rng"));
    }

    /**
     * Labels for a minibatch of {@code batchSize} rows: [B, M(M-1) + B] permutations and identity, or [B, 1]
     * zeros.
     */
    public INDArray labels(int batchSize) {
        return labels(numModalities, negativeSampling, permutations, batchSize);
    }

    /**
     * Labels for a minibatch of {@code batchSize} rows with the O(N) permutations drawn from {@code permutations}
     * (anchor by anchor, non-anchor by non-anchor): [B, M(M-1) + B], or [B, 1] zeros for other samplings.
     */
    public static INDArray labels(int numModalities, NegativeSampling negativeSampling, Permutations permutations,
                                  int batchSize) {
        int width = SymileOutputLayer.labelWidth(numModalities, negativeSampling, batchSize);
        // one flat array copied in bulk: Nd4j.createFromArray(float[][]) and Nd4j.create(float[], ...) copy
        // element by element (a fifth of the 8-modality example's step at B 1000)
        float[] out = new float[Math.multiplyExact(batchSize, width)];
        if (negativeSampling == NegativeSampling.N) {
            int k0 = numModalities * (numModalities - 1);
            for (int a = 0; a < numModalities; a++) {
                for (int k = 0; k < numModalities - 1; k++) {
                    int[] p = permutations.next(a, k, batchSize);
                    int col = a * (numModalities - 1) + k;
                    for (int i = 0; i < batchSize; i++) {
                        out[i * width + col] = p[i];
                    }
                }
            }
            for (int i = 0; i < batchSize; i++) {
                out[i * width + k0 + i] = 1f;
            }
        }
        INDArray labels = Nd4j.createUninitialized(DataType.FLOAT, batchSize, width);
        labels.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(out);
        return labels;
    }

    @Override
    public void preProcess(MultiDataSet multiDataSet) {
        int batch = (int) multiDataSet.getFeatures(0).size(0);
        multiDataSet.setLabels(new INDArray[] {labels(batch)});
    }
}
