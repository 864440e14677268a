package org.symile.samediff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A loss as a plain function of arrays: the representations and log(s) become the variables of a small graph,
 * so one call gives the loss and its gradients. Used to verify a backend against reference values
 * ({@code selfcheck}), to benchmark, and by anyone who wants the Symile loss without building a graph.
 *
 * <p>The graph is built on first use and rebuilt only when B or d change. Not thread-safe.
 */
public final class LossEvaluator {

    /** Builds a loss into a graph. */
    @FunctionalInterface
    public interface Builder {
        LossGraph build(SameDiff sd, String name, List<SDVariable> reps, LogitScale scale);
    }

    /** Loss value and gradients with respect to each representation and to log(s). */
    public record Result(double loss, List<INDArray> gradients, double gradLogScale) {
    }

    private static final String LOSS = "loss";
    private static final String LOG_SCALE = "log_scale";

    private final Builder builder;
    private final DataType dtype;
    private SameDiff sd;
    private LossGraph graph;
    private long builtRows = -1;
    private long builtCols = -1;
    private int builtM = -1;

    /**
     * @param builder how to build the loss
     * @param dtype   floating-point type of the computation; inputs are cast to it
     */
    public LossEvaluator(Builder builder, DataType dtype) {
        this.builder = Objects.requireNonNull(builder, "builder");
        if (dtype == null || !dtype.isFPType()) {
            throw new IllegalArgumentException("dtype: expected a floating-point type, got " + dtype);
        }
        this.dtype = dtype;
    }

    /** The Symile loss with the given configuration. */
    public static LossEvaluator symile(SymileLoss.Config config, DataType dtype) {
        SymileLoss loss = new SymileLoss(config);
        return new LossEvaluator(loss::build, dtype);
    }

    /** The pairwise CLIP loss. */
    public static LossEvaluator clip(DataType dtype) {
        return clip(new ClipLoss(), dtype);
    }

    /** The given CLIP loss (e.g. in its closed form). */
    public static LossEvaluator clip(ClipLoss loss, DataType dtype) {
        Objects.requireNonNull(loss, "loss");
        return new LossEvaluator(loss::build, dtype);
    }

    /**
     * Loss and gradients.
     *
     * @param reps         M ≥ 2 arrays [B, d]
     * @param logScale     log(s)
     * @param permutations O(N) permutations (ignored by other losses)
     */
    public Result evaluate(List<INDArray> reps, double logScale, Permutations permutations) {
        Map<String, INDArray> feed = prepare(reps, logScale, permutations);
        List<String> names = new ArrayList<>();
        for (int m = 0; m < reps.size(); m++) {
            names.add(rep(m));
        }
        names.add(LOG_SCALE);
        var both = sd.calculateGradientsAndOutputs(feed, List.of(LOSS), names);
        Map<String, INDArray> out = both.getGradients();
        double loss = both.getOutputs().get(LOSS).getDouble(0);
        List<INDArray> grads = new ArrayList<>();
        for (int m = 0; m < reps.size(); m++) {
            grads.add(out.get(rep(m)));
        }
        return new Result(loss, grads, out.get(LOG_SCALE).getDouble(0));
    }

    /** Loss and gradients in one execution of the graph; for benchmarks (the loss value is discarded). */
    public Map<String, INDArray> forwardBackward(List<INDArray> reps, double logScale, Permutations permutations) {
        Map<String, INDArray> feed = prepare(reps, logScale, permutations);
        List<String> names = new ArrayList<>();
        for (int m = 0; m < reps.size(); m++) {
            names.add(rep(m));
        }
        names.add(LOG_SCALE);
        return sd.calculateGradients(feed, names.toArray(new String[0]));
    }

    /** Loss value only. */
    public double loss(List<INDArray> reps, double logScale, Permutations permutations) {
        Map<String, INDArray> feed = prepare(reps, logScale, permutations);
        return sd.output(feed, LOSS).get(LOSS).getDouble(0);
    }

    /** The graph behind this evaluator (built by the first call). */
    public SameDiff graph() {
        return sd;
    }

    private Map<String, INDArray> prepare(List<INDArray> reps, double logScale, Permutations permutations) {
        Shapes.checkEager(reps, "loss evaluator");
        if (!Double.isFinite(logScale)) {
            throw new IllegalArgumentException("log logit scale: expected a finite number, got " + logScale);
        }
        INDArray first = reps.get(0);
        if (sd == null || builtM != reps.size() || builtRows != first.rows() || builtCols != first.columns()) {
            build(reps.size(), first.rows(), first.columns());
        }
        for (int m = 0; m < reps.size(); m++) {
            sd.getVariable(rep(m)).getArr().assign(reps.get(m));
        }
        sd.getVariable(LOG_SCALE).getArr().assign(logScale);
        Map<String, INDArray> feed = new HashMap<>();
        graph.feed(sd, feed, (int) first.rows(), permutations);
        return feed;
    }

    private void build(int m, long rows, long cols) {
        sd = SameDiff.create();
        List<SDVariable> vars = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            vars.add(sd.var(rep(k), Nd4j.zeros(dtype, rows, cols)));
        }
        LogitScale scale = LogitScale.wrap(sd, sd.var(LOG_SCALE, Nd4j.scalar(dtype, 0.0)));
        graph = builder.build(sd, LOSS, vars, scale);
        sd.setLossVariables(LOSS);
        builtM = m;
        builtRows = rows;
        builtCols = cols;
    }

    private static String rep(int m) {
        return "rep" + m;
    }
}
