package org.symile.app.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.memory.WorkspaceMemory;
import org.symile.samediff.ClipLoss;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.LossEvaluator;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjective;
import org.symile.samediff.TupleObjectiveLoss;
import org.symile.samediff.ZeroShot;

/**
 * Times the maths: Symile forward+backward (O(N), O(N²) dense, optionally O(N²) memory-lean, the closed form of
 * O(N)), CLIP forward+backward (graph and closed form), GRAM and TRIANGLE forward+backward (every anchor, label
 * smoothing 0.1; closed form, and graph form as {@code *_graph}), and zero-shot scoring of B queries against a
 * candidate bank, all on the same M random representations [B, d].
 */
final class LossBenchmark implements Benchmarks.Family {
    static final List<String> NAMES = List.of("symile_n", "symile_n_closed", "symile_n_squared",
            "symile_n_squared_lean", "clip", "clip_closed", "gram", "gram_graph", "triangle", "triangle_graph",
            "zeroshot");
    /** The official GRAM and TRIANGLE code's label smoothing, which their rows use (every anchor). */
    private static final double TUPLE_SMOOTHING = 0.1;

    private final BenchConfig c;
    private final List<INDArray> reps = new ArrayList<>();
    private final double logScale = Math.log(10);

    /** Draws the representations from ND4J's current random state. */
    LossBenchmark(BenchConfig c) {
        this.c = c;
        for (int k = 0; k < c.m(); k++) {
            reps.add(Nd4j.randn(c.dtype(), c.b(), c.d()).muli(1.0 / Math.sqrt(c.d())));
        }
    }

    @Override
    public BenchResult run(String name) {
        Map<String, Object> extra = new LinkedHashMap<>();
        if (c.labelSmoothing() > 0 && (name.startsWith("symile") || name.startsWith("clip"))) {
            extra.put("label_smoothing", c.labelSmoothing());
        }
        Runnable body = switch (name) {
            case "symile_n" -> {
                LossEvaluator e = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N)
                        .withLabelSmoothing(c.labelSmoothing()), c.dtype());
                Permutations p = Permutations.random(new SplittableRandom(1));
                extra.put("workspace", true);
                yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, p));
            }
            case "symile_n_closed" -> {
                LossEvaluator e = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N)
                        .withForm(LossForm.CLOSED_FORM).withLabelSmoothing(c.labelSmoothing()), c.dtype());
                Permutations p = Permutations.random(new SplittableRandom(1));
                extra.put("vector_api", LossForm.vectorised());
                extra.put("workspace", true);
                yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, p));
            }
            case "symile_n_squared", "symile_n_squared_lean" -> {
                boolean lean = name.endsWith("lean");
                LossEvaluator e = LossEvaluator.symile((lean ? SymileLoss.Config.lean()
                        : SymileLoss.Config.of(NegativeSampling.N_SQUARED)).withLabelSmoothing(c.labelSmoothing()),
                        c.dtype());
                extra.put("product_mb", Math.pow(c.b(), c.m() - 1) * c.d() * c.dtype().width() / (1 << 20));
                yield () -> e.forwardBackward(reps, logScale, null);
            }
            case "clip" -> {
                LossEvaluator e = LossEvaluator.clip(new ClipLoss().withLabelSmoothing(c.labelSmoothing()),
                        c.dtype());
                extra.put("workspace", true);
                yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, null));
            }
            case "clip_closed" -> {
                LossEvaluator e = LossEvaluator.clip(new ClipLoss().withForm(LossForm.CLOSED_FORM)
                        .withLabelSmoothing(c.labelSmoothing()), c.dtype());
                extra.put("workspace", true);
                yield inStepWorkspace(e, () -> e.forwardBackward(reps, logScale, null));
            }
            case "gram", "triangle" -> {
                EagerLoss e = new TupleObjectiveLoss(TupleObjective.valueOf(name.toUpperCase(Locale.ROOT)),
                        TUPLE_SMOOTHING, null).eager();
                extra.put("form", "closed");
                yield () -> e.compute(reps, logScale, null);
            }
            case "gram_graph", "triangle_graph" -> {
                TupleObjectiveLoss loss = new TupleObjectiveLoss(TupleObjective.valueOf(
                        name.substring(0, name.indexOf('_')).toUpperCase(Locale.ROOT)), TUPLE_SMOOTHING, null);
                LossEvaluator e = new LossEvaluator(loss::build, c.dtype());
                extra.put("form", "graph");
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
        return new BenchResult(name, c.b(), c.d(), c.m(), s, extra);
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
