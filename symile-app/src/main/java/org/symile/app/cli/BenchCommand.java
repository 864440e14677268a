package org.symile.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.symile.app.bench.BenchConfig;
import org.symile.app.bench.BenchResult;
import org.symile.app.bench.Benchmarks;
import org.symile.app.runtime.Backend;
import org.symile.data.io.AtomicFiles;
import org.symile.samediff.NegativeSampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile bench}: time the loss and scoring maths on the active backend. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time Symile loss forward+backward (O(N), O(N^2) dense, optionally O(N^2) memory-lean), CLIP"
                + " loss forward+backward and zero-shot scoring, after warm-up; report median, p10 and p90 in ms"
                + " and the peak extra resident memory of one iteration."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--B", defaultValue = "256", description = "Batch size B (default: ${DEFAULT-VALUE}).")
    private int b;

    @Option(names = "--d", defaultValue = "512", description = "Representation width d (default: ${DEFAULT-VALUE}).")
    private int d;

    @Option(names = "--M", defaultValue = "3", description = "Number of modalities M (default: ${DEFAULT-VALUE}).")
    private int m;

    @Option(names = "--threads", defaultValue = "0",
            description = "ND4J/BLAS threads; 0 keeps the backend default (default: ${DEFAULT-VALUE}).")
    private int threads;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    private String dtype;

    @Option(names = "--bank", defaultValue = "8192",
            description = "Candidates in the zero-shot bank; B queries are scored against it (default: ${DEFAULT-VALUE}).")
    private int bank;

    @Option(names = "--warmup", defaultValue = "10", description = "Untimed iterations (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--iters", defaultValue = "30", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
    private int iters;

    @Option(names = "--time_limit", defaultValue = "60",
            description = "Seconds per benchmark after which a slow one stops early, keeping at least 3 timed"
                    + " samples (default: ${DEFAULT-VALUE}).")
    private double timeLimit;

    @Option(names = "--only", split = ",", paramLabel = "NAME",
            description = "Comma-separated subset of: symile_n, symile_n_closed, symile_n_squared,"
                    + " symile_n_squared_lean, clip, clip_closed, gram, gram_graph, triangle, triangle_graph"
                    + " (every anchor, label smoothing 0.1; M must be 3 for triangle), zeroshot, npy_rows,"
                    + " datavec_batches, iterator_shuffled, resnet50_step, resnet18_step, mimic_step, m3_step, xor_step, xor_step_clip,"
                    + " layer_step, layer_step_graph"
                    + " (default: symile_n, symile_n_closed, symile_n_squared, clip, clip_closed, zeroshot).")
    private List<String> only;

    @Option(names = "--lean", description = "Also time the memory-lean O(N^2) loss (symile_n_squared_lean).")
    private boolean lean;

    @Option(names = "--data", description = "Also time the data readers (npy_rows, datavec_batches,"
            + " iterator_shuffled) over a float32 .npy of [rows, d] in batches of B rows.")
    private boolean data;

    @Option(names = "--data_mb", defaultValue = "256",
            description = "Size of the file the data benchmarks read, in MiB (default: ${DEFAULT-VALUE}).")
    private long dataMb;

    @Option(names = "--image_size", paramLabel = "S",
            description = "Model benchmarks: side of the image input (default: 224 for the ResNet steps, 320 for"
                    + " mimic_step, as upstream's chest X-rays).")
    private int imageSize;

    @Option(names = "--ecg_length", defaultValue = "5000", paramLabel = "T",
            description = "mimic_step: ECG samples per lead (default: ${DEFAULT-VALUE}).")
    private int ecgLength;

    @Option(names = "--resnet_base_width", defaultValue = "64", paramLabel = "N",
            description = "Model benchmarks: the ResNets' first-stage width (default: ${DEFAULT-VALUE}).")
    private int baseWidth;

    @Option(names = "--negative_sampling", defaultValue = "n_squared", paramLabel = "n|n_squared",
            description = "mimic_step: Symile's negatives (default: ${DEFAULT-VALUE}).")
    private String negativeSampling;

    @Option(names = "--micro_batch_sz", defaultValue = "0", paramLabel = "N",
            description = "mimic_step, m3_step: gradient-cached steps encoding N rows at a time, as train"
                    + " --micro_batch_sz (default: ${DEFAULT-VALUE}, plain steps).")
    private int microBatchSz;

    @Option(names = "--label_smoothing", defaultValue = "0", paramLabel = "EPS",
            description = "Label smoothing of the symile_n* and clip* rows, as train --label_smoothing (default:"
                    + " ${DEFAULT-VALUE}; gram and triangle always take their official 0.1).")
    private double labelSmoothing;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write the results as a JSON list of {name, B, d, M, median_ms, p10_ms, p90_ms, ...}.")
    private Path json;

    @Override
    public Integer call() throws Exception {
        DataType dt = switch (dtype.toLowerCase()) {
            case "float32", "float" -> DataType.FLOAT;
            case "float64", "double" -> DataType.DOUBLE;
            default -> throw new IllegalArgumentException("--dtype: expected float32 or float64, got '" + dtype + "'");
        };
        List<String> names = new ArrayList<>(only == null ? Benchmarks.DEFAULT : only);
        if (lean && !names.contains("symile_n_squared_lean")) {
            names.add("symile_n_squared_lean");
        }
        if (data) {
            for (String n : List.of("npy_rows", "datavec_batches", "iterator_shuffled")) {
                if (!names.contains(n)) {
                    names.add(n);
                }
            }
        }
        BenchConfig config = new BenchConfig(b, d, m, bank, dt, warmup, iters, timeLimit, names, dataMb, imageSize,
                ecgLength, baseWidth, NegativeSampling.fromFlag(negativeSampling), microBatchSz, labelSmoothing);
        Backend.setThreads(threads);
        Backend.logStartup();
        List<BenchResult> results = Benchmarks.run(config);

        var out = spec.commandLine().getOut();
        out.printf("bench on %s, %s, B=%d d=%d M=%d, %d warm-up + %d timed iterations%n", Backend.describe(),
                dtype, b, d, m, warmup, iters);
        out.printf("%-24s %10s %10s %10s %8s %14s  %s%n", "name", "median_ms", "p10_ms", "p90_ms", "samples",
                "peak_extra_MiB", "notes");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BenchResult r : results) {
            out.printf("%-24s %10.2f %10.2f %10.2f %8d %14.1f  %s%n", r.name(), r.stats().medianMs(),
                    r.stats().p10Ms(), r.stats().p90Ms(), r.stats().samples(), r.stats().peakExtraMb(),
                    r.extra().isEmpty() ? "" : r.extra());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", r.name());
            row.put("B", r.b());
            row.put("d", r.d());
            row.put("M", r.m());
            row.put("median_ms", r.stats().medianMs());
            row.put("p10_ms", r.stats().p10Ms());
            row.put("p90_ms", r.stats().p90Ms());
            row.put("samples", r.stats().samples());
            row.put("peak_extra_mb", r.stats().peakExtraMb());
            row.put("dtype", dtype);
            row.put("threads", Backend.threads());
            row.putAll(r.extra());
            rows.add(row);
        }
        out.flush();
        if (json != null) {
            String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows);
            AtomicFiles.writeString(json, text + "\n");
        }
        return 0;
    }
}
