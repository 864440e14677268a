package org.symile.app.train.samediff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.OptimizerSpec;

class AdamWTest {

    /** Three steps against torch.optim.AdamW's update written out in plain double arithmetic. */
    @Test
    void matchesTorchAdamW() {
        double lr = 0.1;
        double wd = 0.01;
        double[] p = {0.5, -1.0, 2.0};
        double[][] grads = {{0.1, -0.2, 0.3}, {0.05, 0.4, -0.1}, {-0.3, 0.0, 0.2}};
        INDArray param = Nd4j.createFromArray(p.clone()).castTo(DataType.DOUBLE);
        AdamW opt = new AdamW(OptimizerSpec.of(lr, wd));
        double[] m = new double[3];
        double[] v = new double[3];
        for (int t = 1; t <= 3; t++) {
            opt.step(Map.of("p", param), Map.of("p", Nd4j.createFromArray(grads[t - 1].clone())));
            for (int i = 0; i < 3; i++) {
                double g = grads[t - 1][i];
                p[i] *= 1 - lr * wd;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8;
                p[i] -= lr / (1 - Math.pow(0.9, t)) * m[i] / denom;
            }
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(p[i], param.getDouble(i), 1e-12);
        }
        assertEquals(3, opt.steps());
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        INDArray a = Nd4j.createFromArray(1.0, 2.0);
        INDArray b = a.dup();
        AdamW first = new AdamW(OptimizerSpec.of(0.01, 0.1));
        Map<String, INDArray> g = Map.of("w", Nd4j.createFromArray(0.3, -0.7));
        first.step(Map.of("w", a), g);
        AdamW second = new AdamW(OptimizerSpec.of(0.01, 0.1));
        second.step(Map.of("w", b), g);
        AdamW resumed = new AdamW(OptimizerSpec.of(0.01, 0.1));
        resumed.restore(second.state(), second.steps());
        first.step(Map.of("w", a), g);
        resumed.step(Map.of("w", b), g);
        assertEquals(a.getDouble(0), b.getDouble(0), 0.0);
        assertEquals(a.getDouble(1), b.getDouble(1), 0.0);
    }
}
