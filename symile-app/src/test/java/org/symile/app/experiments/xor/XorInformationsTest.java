package org.symile.app.experiments.xor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class XorInformationsTest {

    @Test
    void matchesReferenceTermsTo1e12() throws Exception {
        JsonNode root = new ObjectMapper().readTree(
                getClass().getResourceAsStream("/org/symile/samediff/testvectors/xor_informations.json"));
        int rows = 0;
        for (var it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            int dv = Integer.parseInt(e.getKey());
            for (JsonNode row : e.getValue()) {
                XorInformations.Terms t = XorInformations.compute(dv, row.get("p_hat").asDouble());
                double[] got = t.values();
                for (int k = 0; k < 5; k++) {
                    assertEquals(row.get(XorInformations.TYPES.get(k)).asDouble(), got[k], 1e-12,
                            "d_v=" + dv + " p_hat=" + t.pHat() + " " + XorInformations.TYPES.get(k));
                }
                rows++;
            }
        }
        assertEquals(33, rows);
    }

    @Test
    void matchesClosedFormsForDv5() {
        int d = 5;
        for (XorInformations.Terms t : XorInformations.sweep(d)) {
            double p = t.pHat();
            double h = (p == 0 || p == 1) ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p);
            double tc = d * Math.log(2) - (1 - Math.pow(2, -d)) * h;
            double iac = (p * Math.pow(2, -d) + 1 - p) * Math.log(p + Math.pow(2, d) * (1 - p))
                    + (p == 0 ? 0 : (1 - Math.pow(2, -d)) * p * Math.log(p));
            assertEquals(tc, t.totalCorrelation(), 1e-12);
            assertEquals(iac, t.miAC(), 1e-12);
            assertEquals(0.0, t.miBC(), 1e-12);
            assertEquals(tc - iac, t.miABGivenC(), 1e-12);
            assertEquals(t.miABGivenC(), t.miCBGivenA(), 1e-12);
        }
        // spec §4 table
        assertEquals(1.1097, XorInformations.compute(5, 0.5).miAC(), 5e-5);
        assertEquals(2.7942, XorInformations.compute(5, 0.5).totalCorrelation(), 5e-5);
        assertEquals(List.of("mi_a_c", "mi_b_c", "mi_a_b_given_c", "mi_c_b_given_a", "total_corr"),
                XorInformations.TYPES);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> XorInformations.compute(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> XorInformations.compute(2, 1.5));
    }
}
