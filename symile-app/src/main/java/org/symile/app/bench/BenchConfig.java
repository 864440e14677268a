package org.symile.app.bench;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.symile.samediff.NegativeSampling;

/**
 * What {@code symile bench} runs and at which sizes, validated once; every error names the flag.
 *
 * @param b                batch size B ({@code --B})
 * @param d                width d ({@code --d})
 * @param m                modalities M ({@code --M})
 * @param bank             zero-shot candidate bank size ({@code --bank})
 * @param dtype            FLOAT or DOUBLE ({@code --dtype})
 * @param warmup           untimed iterations
 * @param iters            timed iterations
 * @param timeLimitSeconds per benchmark; slow ones stop early (at least 3 timed samples)
 * @param names            the benchmarks to run, in order ({@link Benchmarks#NAMES})
 * @param dataMb           size in MiB of the file the data benchmarks read ({@code --data_mb})
 * @param imageSize        model benchmarks: side of the square image input; 0 for each benchmark's default
 *                         ({@code --image_size})
 * @param ecgLength        {@code mimic_step}: ECG samples per lead ({@code --ecg_length})
 * @param baseWidth        model benchmarks: the ResNets' first-stage width ({@code --resnet_base_width})
 * @param negativeSampling {@code mimic_step}: Symile's negatives ({@code --negative_sampling})
 * @param microBatchSz     {@code mimic_step}, {@code m3_step}: rows encoded at once in a gradient-cached step, 0 for a
 *                         plain step ({@code --micro_batch_sz})
 * @param labelSmoothing   the Symile and CLIP loss rows' label smoothing ({@code --label_smoothing}; GRAM and TRIANGLE
 *                         always take their official 0.1)
 */
public record BenchConfig(int b, int d, int m, int bank, DataType dtype, int warmup, int iters,
                          double timeLimitSeconds, List<String> names, long dataMb, int imageSize, int ecgLength,
                          int baseWidth, NegativeSampling negativeSampling, int microBatchSz,
                          double labelSmoothing) {
    public BenchConfig {
        if (b < 2) {
            throw new IllegalArgumentException("--B: expected a batch size >= 2, got " + b);
        }
        if (d < 1) {
            throw new IllegalArgumentException("--d: expected a width >= 1, got " + d);
        }
        if (m < 2) {
            throw new IllegalArgumentException("--M: expected M >= 2 modalities, got " + m);
        }
        if (bank < 1) {
            throw new IllegalArgumentException("--bank: expected >= 1 candidates, got " + bank);
        }
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("--dtype: expected float32 or float64, got " + dtype);
        }
        for (String n : names) {
            if (!Benchmarks.NAMES.contains(n)) {
                throw new IllegalArgumentException("--only: unknown benchmark '" + n + "'; expected one of "
                        + String.join(", ", Benchmarks.NAMES));
            }
        }
        names = List.copyOf(names);
        if (dataMb < 1) {
            throw new IllegalArgumentException("--data_mb: expected >= 1, got " + dataMb);
        }
        if (imageSize != 0 && imageSize < 32 || ecgLength < 32 || baseWidth < 1) {
            throw new IllegalArgumentException("--image_size and --ecg_length: expected >= 32, --resnet_base_width"
                    + " >= 1, got " + imageSize + ", " + ecgLength + ", " + baseWidth);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("--label_smoothing: expected a number in [0, 1), got "
                    + labelSmoothing);
        }
        if (microBatchSz < 0 || microBatchSz > b) {
            throw new IllegalArgumentException("--micro_batch_sz: expected 0 (plain steps) up to --B " + b + ", got "
                    + microBatchSz);
        }
    }

    /** The loss and scoring benchmarks at these sizes with the defaults of every other setting. */
    public static BenchConfig of(int b, int d, int m, int bank, DataType dtype, int warmup, int iters,
                                 double timeLimitSeconds, List<String> names) {
        return new BenchConfig(b, d, m, bank, dtype, warmup, iters, timeLimitSeconds, names, 256, 0, 5000, 64,
                NegativeSampling.N_SQUARED, 0, 0);
    }
}
