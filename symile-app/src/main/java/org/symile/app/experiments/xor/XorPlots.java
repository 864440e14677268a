package org.symile.app.experiments.xor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.symile.app.run.Charts;
import org.symile.app.spec.LossFn;
import org.symile.data.synthetic.BinaryXor;

/** The binary_xor figures: test accuracy against p̂ with the Bayes-optimal curve, and the information terms. */
final class XorPlots {
    private XorPlots() {
    }

    static void accuracy(Path file, int dv, LossFn lossFn, List<XorSweep.Row> rows) {
        List<Double> px = new ArrayList<>();
        List<Double> acc = new ArrayList<>();
        for (XorSweep.Row r : rows) {
            px.add(r.pHat());
            acc.add(r.acc());
        }
        List<Charts.Series> series = references(dv);
        if (!px.isEmpty()) {
            series.add(new Charts.Series(lossFn + " test accuracy", px, acc, false));
        }
        Charts.line(file, "binary_xor, d_v = " + dv + ": predict b from (a, c)", "p_hat", "accuracy", series);
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
        Charts.line(file, "binary XOR information terms, d_v = " + dv, "p_hat", "nats", series);
    }
}
