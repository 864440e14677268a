package org.symile.app.experiments.xor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.symile.app.selfcheck.ReferenceCase;
import org.symile.app.selfcheck.SelfCheck;

/** {@code selfcheck} support for the information-term reference case (computed in double, once). */
public final class XorInformationsCheck {
    /** Agreement required with the reference terms. */
    public static final double TOLERANCE = 1e-12;

    private XorInformationsCheck() {
    }

    /**
     * Compares {@link XorInformations} with an information-term case; null for other cases and for FLOAT (the
     * terms do not depend on the backend's float type).
     */
    public static SelfCheck.Row check(ReferenceCase c, DataType dtype) {
        if (!(c instanceof ReferenceCase.Informations info) || dtype != DataType.DOUBLE) {
            return null;
        }
        double worst = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = info.table().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int dv = Integer.parseInt(e.getKey());
            JsonNode rows = e.getValue();
            if (!rows.isArray()) {
                throw new IllegalArgumentException(c.name() + ": field '" + e.getKey() + "': expected a list of rows");
            }
            for (int i = 0; i < rows.size(); i++) {
                JsonNode row = rows.get(i);
                String where = e.getKey() + "[" + i + "]";
                XorInformations.Terms t = XorInformations.compute(dv, number(c, row, where, "p_hat"));
                double[] got = t.values();
                for (int k = 0; k < XorInformations.TYPES.size(); k++) {
                    double expected = number(c, row, where, XorInformations.TYPES.get(k));
                    worst = Math.max(worst, Math.abs(expected - got[k]));
                }
            }
        }
        return new SelfCheck.Row(c.name(), "xor information terms", DataType.DOUBLE, worst, 0, 0, TOLERANCE);
    }

    private static double number(ReferenceCase c, JsonNode row, String where, String field) {
        JsonNode v = row.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(c.name() + ": field '" + where + "." + field + "': expected a number, got "
                    + (v == null ? "nothing" : v));
        }
        return v.asDouble();
    }
}
