package org.symile.app.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.datavec.api.split.FileSplit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.NpyFile;
import org.symile.data.SplitTensorRecordReader;
import org.symile.data.TensorBatchIterator;

/**
 * Data throughput: one pass over a float32 .npy of [rows, d] (about {@code --data_mb} MiB, written to a
 * temporary directory and left in the page cache) in batches of B rows, through the raw mapped reader
 * ({@code npy_rows}), the DataVec record reader's batch mode ({@code datavec_batches}) and the shuffled batch
 * iterator ({@code iterator_shuffled}). The time is per pass; {@code gb_per_s} is the pass's bytes over it.
 */
final class DataBenchmark implements Benchmarks.Family {
    static final List<String> NAMES = List.of("npy_rows", "datavec_batches", "iterator_shuffled");

    private final BenchConfig c;

    DataBenchmark(BenchConfig c) {
        this.c = c;
    }

    @Override
    public BenchResult run(String name) {
        Path dir;
        try {
            dir = Files.createTempDirectory("symile-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path split = dir.resolve("train");
        try {
            long rows = Math.max(c.b(), (c.dataMb() << 20) / (4L * c.d()));
            INDArray data = Nd4j.rand(DataType.FLOAT, rows, c.d());
            NpyFile.write(split.resolve("x_train.npy"), data);
            data.close();
            long bytes = rows * c.d() * 4L;
            Runnable body;
            switch (name) {
                case "npy_rows" -> {
                    NpyFile f = NpyFile.open(split.resolve("x_train.npy"));
                    body = () -> {
                        for (long r = 0; r < rows; r += c.b()) {
                            f.readRows(r, Math.min(rows, r + c.b())).close();
                        }
                    };
                }
                case "datavec_batches" -> {
                    SplitTensorRecordReader rr = new SplitTensorRecordReader("x");
                    rr.initialize(new FileSplit(split.toFile()));
                    body = () -> {
                        rr.reset();
                        while (rr.hasNext()) {
                            var batch = (org.datavec.api.writable.batch.NDArrayRecordBatch) rr.next(c.b());
                            batch.getArrays().get(0).close();
                        }
                    };
                }
                case "iterator_shuffled" -> {
                    NpyFile f = NpyFile.open(split.resolve("x_train.npy"));
                    SplittableRandom rng = new SplittableRandom(0);
                    body = () -> {
                        TensorBatchIterator it = new TensorBatchIterator(
                                List.of(new TensorBatchIterator.Input("x", f, null)), c.b(), false, rng);
                        while (it.hasNext()) {
                            it.nextBatch().get("x").close();
                        }
                    };
                }
                default -> throw new IllegalArgumentException("--only: unknown benchmark '" + name + "'");
            }
            Timing.Stats s = Timing.measure(body, Math.min(2, c.warmup()), Math.min(c.iters(), 10),
                    c.timeLimitSeconds());
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("bytes", bytes);
            extra.put("gb_per_s", bytes / (s.medianMs() / 1000) / 1e9);
            return new BenchResult(name, c.b(), c.d(), c.m(), s, extra);
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // temporary directory; the OS cleans it
            }
        }
    }
}
