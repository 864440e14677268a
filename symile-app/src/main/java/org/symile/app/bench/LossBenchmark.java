package org.symile.app.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.train.WorkspaceMemory;
import org.symile.samediff.ClipLoss;
import org.symile.samediff.LossEvaluator;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.ZeroShot;

/**
 * Times the maths: Symile forward+backward (O(N), O(N²) dense, optionally O(N²) memory-lean), CLIP
 * forward+backward, and zero-shot scoring of B queries against a candidate bank.
 */
public final class LossBenchmark {

    /** Names of the benchmarks, as they appear in the report and the JSON. */
    public static final List<String> NAMES = List.of("symile_n", "symile_n_closed", "symile_n_squared",
            "symile_n_squared_lean", "clip", "clip_closed",
            "zeroshot", "npy_rows", "datavec_batches", "iterator_shuffled", "resnet50_step", "resnet18_step",
            "mimic_step", "m3_step", "xor_step", "xor_step_clip");
    /** Run when no selection is given. */
    public static final List<String> DEFAULT = List.of("symile_n", "symile_n_closed", "symile_n_squared", "clip",
            "clip_closed", "zeroshot");

    /**
     * @param b      batch size B
     * @param d      width d
     * @param m      modalities M
     * @param bank   zero-shot candidate bank size
     * @param dtype  FLOAT or DOUBLE
     * @param warmup untimed iterations
     * @param iters  timed iterations
     * @param timeLimitSeconds per benchmark; slow ones stop early (at least 3 timed samples)
     */
    public record Config(int b, int d, int m, int bank, DataType dtype, int warmup, int iters, double timeLimitSeconds,
                         List<String> names) {
        public Config {
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
                if (!NAMES.contains(n)) {
                    throw new IllegalArgumentException("--only: unknown benchmark '" + n + "'; expected one of "
                            + String.join(", ", NAMES));
                }
            }
            names = List.copyOf(names);
        }
    }

    private LossBenchmark() {
    }

    private static ModelBenchmark.Sizes modelSizes = new ModelBenchmark.Sizes(224, 5000, 64, NegativeSampling.N_SQUARED);

    /** Size in MiB of the file the data benchmarks read. */
    public static void setDataMb(long mb) {
        DataBenchmark.dataMb = mb;
    }

    /**
     * Input sizes of the model benchmarks.
     *
     * @param imageSize side of the image input;  @param ecgLength ECG samples per lead
     * @param baseWidth the ResNets' first-stage width
     */
    public static void setModelSizes(int imageSize, int ecgLength, int baseWidth, NegativeSampling ns) {
        if (imageSize != 0 && imageSize < 32 || ecgLength < 32 || baseWidth < 1) {
            throw new IllegalArgumentException("--image_size and --ecg_length: expected >= 32, --resnet_base_width"
                    + " >= 1, got " + imageSize + ", " + ecgLength + ", " + baseWidth);
        }
        modelSizes = new ModelBenchmark.Sizes(imageSize, ecgLength, baseWidth, ns);
    }

    public static List<BenchResult> run(Config c) {
        Nd4j.getRandom().setSeed(0);
        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < c.m(); k++) {
            reps.add(Nd4j.randn(c.dtype(), c.b(), c.d()).muli(1.0 / Math.sqrt(c.d())));
        }
        double logScale = Math.log(10);
        List<BenchResult> out = new ArrayList<>();
        for (String name : c.names()) {
            if (DataBenchmark.NAMES.contains(name)) {
                out.add(DataBenchmark.run(name, c));
                continue;
            }
            if (ModelBenchmark.NAMES.contains(name)) {
                out.add(ModelBenchmark.run(name, c, modelSizes));
                continue;
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            Runnable body = switch (name) {
                case "symile_n" -> {
                    LossEvaluator e = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N), c.dtype());
                    Permutations p = Permutations.random(new SplittableRandom(1));
                    extra.put("workspace", true);
                    yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, p));
                }
                case "symile_n_closed" -> {
                    LossEvaluator e = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N)
                            .withForm(LossForm.CLOSED_FORM), c.dtype());
                    Permutations p = Permutations.random(new SplittableRandom(1));
                    extra.put("vector_api", LossForm.vectorised());
                    extra.put("workspace", true);
                    yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, p));
                }
                case "symile_n_squared", "symile_n_squared_lean" -> {
                    boolean lean = name.endsWith("lean");
                    LossEvaluator e = LossEvaluator.symile(lean ? SymileLoss.Config.lean()
                            : SymileLoss.Config.of(NegativeSampling.N_SQUARED), c.dtype());
                    extra.put("product_mb", Math.pow(c.b(), c.m() - 1) * c.d() * c.dtype().width() / (1 << 20));
                    yield () -> e.forwardBackward(reps, logScale, null);
                }
                case "clip" -> {
                    LossEvaluator e = LossEvaluator.clip(c.dtype());
                    extra.put("workspace", true);
                    yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, null));
                }
                case "clip_closed" -> {
                    LossEvaluator e = LossEvaluator.clip(new ClipLoss().withForm(LossForm.CLOSED_FORM), c.dtype());
                    extra.put("workspace", true);
                    yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, null));
                }
                case "zeroshot" -> {
                    INDArray bankArr = Nd4j.randn(c.dtype(), c.bank(), c.d());
                    List<INDArray> queries = reps.subList(0, c.m() - 1);
                    extra.put("bank", c.bank());
                    yield () -> ZeroShot.scores(ZeroShot.Score.SYMILE, bankArr, queries, Math.exp(logScale));
                }
                default -> throw new IllegalArgumentException("--only: unknown benchmark '" + name + "'");
            };
            Timing.Stats s = Timing.measure(body, c.warmup(), c.iters(), c.timeLimitSeconds());
            out.add(new BenchResult(name, c.b(), c.d(), c.m(), s, extra));
        }
        return out;
    }

    /**
     * The body run as the {@code Trainer} runs a step of a model whose intermediates are small enough to keep: in a
     * reused workspace, so that the timing is the loss's and not the allocator's. The dense O(N²) losses are timed
     * without one, as MIMIC trains them.
     */
    private static Runnable inStepWorkspace(LossEvaluator e, Supplier<Map<String, INDArray>> body) {
        release(body.get()); // builds the graph
        WorkspaceMemory ws = new WorkspaceMemory("symile_bench_step");
        ws.attach(e.graph());
        return () -> {
            try (var w = ws.open()) {
                release(body.get());
            }
        };
    }

    /**
     * Frees the gradients at once, as the trainer does after its update: left to the garbage collector, their
     * native buffers are replaced by fresh memory every step, and its page faults cost a third of a CLIP step.
     */
    private static void release(Map<String, INDArray> gradients) {
        for (INDArray a : gradients.values()) {
            if (a.closeable()) {
                a.close();
            }
        }
    }
}
