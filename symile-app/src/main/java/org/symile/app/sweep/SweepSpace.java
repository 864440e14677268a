package org.symile.app.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.distribution.LogUniformDistribution;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

/**
 * The swept flags as one arbiter-core {@link ParameterSpace} producing a map flag -> value: continuous flags are
 * {@link ContinuousParameterSpace}s (log-uniform when {@code log: true}), integer flags
 * {@link IntegerParameterSpace}s, lists {@link DiscreteParameterSpace}s. Arbiter's grid and random generators
 * drive it.
 */
final class SweepSpace implements ParameterSpace<Map<String, Object>> {
    private final Map<String, ParameterSpace<?>> leaves = new LinkedHashMap<>();

    private SweepSpace() {
    }

    static SweepSpace of(SweepSpec spec) {
        SweepSpace s = new SweepSpace();
        spec.parameters().forEach((k, p) -> s.leaves.put(k, leaf(p)));
        return s;
    }

    private static ParameterSpace<?> leaf(SweepSpec.Parameter p) {
        return switch (p.type()) {
            case "continuous" -> p.log()
                    ? new ContinuousParameterSpace(new LogUniformDistribution(p.min(), p.max()))
                    : new ContinuousParameterSpace(p.min(), p.max());
            case "integer" -> new IntegerParameterSpace(p.min().intValue(), p.max().intValue());
            default -> new DiscreteParameterSpace<>(p.values());
        };
    }

    /** The candidates at the all-lowest and all-highest points of every range (for validation). */
    List<Map<String, Object>> corners() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (double x : new double[] {0.0, 0.999999}) {
            Map<String, Object> c = new LinkedHashMap<>();
            leaves.forEach((k, l) -> {
                double[] v = new double[1];
                v[0] = x;
                ParameterSpace<?> copy = l;
                copy.setIndices(0);
                c.put(k, copy.getValue(v));
            });
            out.add(c);
        }
        return out;
    }

    @Override
    public Map<String, Object> getValue(double[] parameterValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        leaves.forEach((k, l) -> out.put(k, tidy(l.getValue(parameterValues))));
        return out;
    }

    /**
     * A double rounded to 12 significant digits, so grid points come out as 0.01 rather than 0.010000000000000004
     * (log-scale grids) in trial commands and reports; no search resolves finer than that.
     */
    static Object tidy(Object v) {
        if (v instanceof Double d && Double.isFinite(d) && d != 0) {
            return new java.math.BigDecimal(d).round(new java.math.MathContext(12)).doubleValue();
        }
        return v;
    }

    @Override
    public int numParameters() {
        int n = 0;
        for (ParameterSpace<?> l : leaves.values()) {
            n += l.numParameters();
        }
        return n;
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> out = new ArrayList<>();
        for (ParameterSpace<?> l : leaves.values()) {
            out.addAll(l.collectLeaves());
        }
        return out;
    }

    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        return new LinkedHashMap<>(leaves);
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("a composite space has no index of its own; its leaves are indexed");
    }
}
