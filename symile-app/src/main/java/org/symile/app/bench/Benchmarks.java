package org.symile.app.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every benchmark {@code symile bench} knows, by name, and the run of a selection: the loss and scoring maths
 * ({@link LossBenchmark}), the data readers ({@link DataBenchmark}) and whole-model training steps
 * ({@link ModelBenchmark}), each family configured by one {@link BenchConfig}.
 */
public final class Benchmarks {
    /** Names of the benchmarks, as they appear in the report and the JSON. */
    public static final List<String> NAMES = Stream.of(LossBenchmark.NAMES, DataBenchmark.NAMES, ModelBenchmark.NAMES)
            .flatMap(List::stream).toList();
    /** Run when no selection is given. */
    public static final List<String> DEFAULT = List.of("symile_n", "symile_n_closed", "symile_n_squared", "clip",
            "clip_closed", "zeroshot");

    /** One family of benchmarks at one configuration. */
    interface Family {
        /** Times benchmark {@code name}, one of the family's names. */
        BenchResult run(String name);
    }

    private Benchmarks() {
    }

    /** Runs {@code config.names()} in order (the loss benchmarks' inputs drawn first, from seed 0). */
    public static List<BenchResult> run(BenchConfig config) {
        Nd4j.getRandom().setSeed(0);
        Family losses = new LossBenchmark(config);
        Family data = new DataBenchmark(config);
        Family models = new ModelBenchmark(config);
        List<BenchResult> out = new ArrayList<>();
        for (String name : config.names()) {
            Family f = LossBenchmark.NAMES.contains(name) ? losses : DataBenchmark.NAMES.contains(name) ? data : models;
            out.add(f.run(name));
        }
        return out;
    }
}
