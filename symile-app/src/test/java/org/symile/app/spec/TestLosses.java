package org.symile.app.spec;

import java.util.List;
import org.symile.samediff.NegativeSampling;

/** Loss settings written compactly in parameterised tests. */
public final class TestLosses {
    private TestLosses() {
    }

    /**
     * "FN" or "FN/eps/a;c" (a {@link LossFn} constant, then label smoothing and anchors), with log-scale 0.2.
     */
    public static LossSpec parse(String fn, NegativeSampling ns, boolean freeze) {
        String[] parts = fn.split("/");
        LossFn lossFn = LossFn.valueOf(parts[0]);
        if (parts.length == 1) {
            return new LossSpec(lossFn, ns, false, 0.2, freeze);
        }
        return new LossSpec(lossFn, ns, false, 0.2, freeze, Double.parseDouble(parts[1]),
                List.of(parts[2].split(";")));
    }
}
