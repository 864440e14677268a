package org.symile.app.experiments.xor;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.symile.app.run.RunDirectory;
import org.symile.data.io.AtomicFiles;

/**
 * Upstream's {@code informations.py}: the five information terms for p̂ = 0.0 … 1.0, written as
 * {@code <save_dir>/<yyyyMMdd_HHmmss>/mi.csv} (p_hat, value, type) with a plot {@code mi.png}.
 */
public final class InformationsRun {
    private InformationsRun() {
    }

    /** Computes and writes the terms; returns the output directory. */
    public static Path run(int dv, Path saveDir) {
        List<XorInformations.Terms> terms = XorInformations.sweep(dv);
        Path dir = RunDirectory.createTimestamped(saveDir);
        StringBuilder csv = new StringBuilder("p_hat,value,type\n");
        for (XorInformations.Terms t : terms) {
            double[] v = t.values();
            for (int k = 0; k < v.length; k++) {
                csv.append(String.format(Locale.ROOT, "%.1f,%s,%s%n", t.pHat(), v[k], XorInformations.TYPES.get(k)));
            }
        }
        AtomicFiles.writeString(dir.resolve("mi.csv"), csv.toString());
        XorPlots.informations(dir.resolve("mi.png"), dv, terms);
        return dir;
    }
}
