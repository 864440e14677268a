package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Representations that are op outputs have no static shape in SameDiff M2.1, so Symile O(N) cannot see that they
 * are narrow; told the width, it builds its narrow form, which must give the same loss and gradients as the
 * general form.
 */
class LossWidthTest {
    private static final int B = 7;
    private static final int D = 5;

    /** Loss and gradients w.r.t. the inputs and the log-scale, for reps = inputs ⊙ 1 (op outputs). */
    private static Map<String, INDArray> run(long width) {
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = new ArrayList<>();
        Map<String, INDArray> feed = new HashMap<>();
        Nd4j.getRandom().setSeed(11);
        for (int m = 0; m < 3; m++) {
            SDVariable in = sd.var("in" + m, Nd4j.randn(DataType.DOUBLE, B, D));
            reps.add(in.mul(1.0));
        }
        assertEquals(null, reps.get(0).getShape(), "an op output has no static shape");
        LogitScale scale = LogitScale.create(sd, "log_scale", 1.3, false, DataType.DOUBLE);
        SymileLoss loss = new SymileLoss(NegativeSampling.N);
        LossGraph g = (width > 0 ? loss.withWidth(width) : loss).build(sd, "loss", reps, scale);
        sd.setLossVariables("loss");
        g.feed(sd, feed, B, Permutations.random(new SplittableRandom(5)));
        Map<String, INDArray> out = new HashMap<>(sd.calculateGradients(feed, "in0", "in1", "in2", "log_scale"));
        out.put("loss", sd.output(feed, "loss").get("loss"));
        return out;
    }

    /** Symile O(N)'s scale placement depends on the width; CLIP's graph form is one form for every width. */
    @Test
    void narrowFormEqualsGeneralForm() {
        Map<String, INDArray> general = run(-1);
        Map<String, INDArray> narrow = run(D);
        for (String k : general.keySet()) {
            INDArray a = general.get(k);
            INDArray b = narrow.get(k);
            double scale = Math.max(1.0, a.amaxNumber().doubleValue());
            assertTrue(a.sub(b).amaxNumber().doubleValue() <= 1e-12 * scale, k + ": " + a + " vs " + b);
        }
    }

    @Test
    void aWidthThatContradictsTheShapeIsRefused() {
        SameDiff sd = SameDiff.create();
        List<SDVariable> reps = List.of(sd.var("a", Nd4j.rand(DataType.DOUBLE, 4, 3)),
                sd.var("b", Nd4j.rand(DataType.DOUBLE, 4, 3)));
        LogitScale scale = LogitScale.create(sd, "s", 0.0, false, DataType.DOUBLE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SymileLoss(NegativeSampling.N).withWidth(8).build(sd, "loss", reps, scale));
        assertTrue(e.getMessage().contains("3 wide") && e.getMessage().contains("8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SymileLoss(NegativeSampling.N).withWidth(0));
    }
}
