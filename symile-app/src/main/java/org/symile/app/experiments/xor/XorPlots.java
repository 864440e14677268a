package org.symile.app.experiments.xor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.symile.app.run.Charts;
import org.symile.app.spec.LossFn;
import org.symile.data.synthetic.BinaryXor;

/** The binary_xor figures: test accuracy against p̂ with the Bayes-optimal curve, and the information terms. */
final class XorPlots {
    private XorPlots() {
    }

    /**
     * Test accuracy against p̂: one marker per p̂, at the mean of its test accuracies, with error bars of ± one
     * standard deviation where there are several (bootstrap draws).
     */
    static void accuracy(Path file, int dv, LossFn lossFn, List<XorSweep.Row> rows) {
        Map<Double, List<Double>> byPHat = new TreeMap<>();
        for (XorSweep.Row r : rows) {
            byPHat.computeIfAbsent(r.pHat(), k -> new ArrayList<>()).add(r.acc());
        }
        List<Double> px = new ArrayList<>();
        List<Double> mean = new ArrayList<>();
        List<Double> sd = new ArrayList<>();
        boolean draws = false;
        for (Map.Entry<Double, List<Double>> e : byPHat.entrySet()) {
            double[] a = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            double m = Arrays.stream(a).average().orElse(Double.NaN);
            double ss = 0;
            for (double v : a) {
                ss += (v - m) * (v - m);
            }
            px.add(e.getKey());
            mean.add(m);
            sd.add(a.length > 1 ? Math.sqrt(ss / (a.length - 1)) : 0);
            draws |= a.length > 1;
        }
        List<Charts.Series> series = references(dv);
        if (!px.isEmpty()) {
            series.add(new Charts.Series(lossFn + " test accuracy" + (draws ? " (mean ± sd of the draws)" : ""), px,
                    mean, false, draws ? sd : null));
        }
        Charts.line(file, "binary_xor, d_v = " + dv + ": predict b from (a, c)", "p_hat", "accuracy", series,
                Charts.Axes.P_HAT);
    }

    /** The Bayes-optimal accuracy and chance against p̂, the lines every accuracy plot draws (a mutable list). */
    static List<Charts.Series> references(int dv) {
        List<Double> grid = new ArrayList<>();
        List<Double> bayes = new ArrayList<>();
        List<Double> chance = new ArrayList<>();
        for (int i = 0; i <= 100; i++) {
            grid.add(i / 100.0);
            bayes.add(BinaryXor.bayesOptimal(dv, i / 100.0));
            chance.add(Math.pow(2, -dv));
        }
        List<Charts.Series> series = new ArrayList<>();
        series.add(new Charts.Series("Bayes optimal", grid, bayes, true));
        series.add(new Charts.Series("chance (2^-d_v)", grid, chance, true));
        return series;
    }

    static void informations(Path file, int dv, List<XorInformations.Terms> terms) {
        List<Double> px = new ArrayList<>();
        List<List<Double>> ys = new ArrayList<>();
        for (int k = 0; k < XorInformations.TYPES.size(); k++) {
            ys.add(new ArrayList<>());
        }
        for (XorInformations.Terms t : terms) {
            px.add(t.pHat());
            double[] v = t.values();
            for (int k = 0; k < v.length; k++) {
                ys.get(k).add(v[k]);
            }
        }
        List<Charts.Series> series = new ArrayList<>();
        for (int k = 0; k < XorInformations.TYPES.size(); k++) {
            series.add(new Charts.Series(XorInformations.TYPES.get(k), px, ys.get(k), true));
        }
        Charts.line(file, "binary XOR information terms, d_v = " + dv, "p_hat", "nats", series,
                new Charts.Axes(0.0, 1.0, "0.0", false, null, Charts.Axes.P_HAT.legend()));
    }
}
