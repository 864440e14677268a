package org.symile.app.train.samediff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.train.Batch;
import org.symile.app.train.TrainableModel;

/** A SameDiff model's gradients against central differences of its batch-mean loss, every trained element. */
public final class CentralDifferences {
    private CentralDifferences() {
    }

    /**
     * Asserts that {@link SameDiffModel#gradients} equals (L(θ + h) − L(θ − h)) / 2h, h = 1e-6, for every element
     * of every trained variable (DOUBLE models, losses without sampled negatives), within 1e-7 relative.
     *
     * @return the number of elements checked
     */
    public static int check(SameDiffModel model, Batch batch) {
        TrainableModel.Gradients g = model.gradients(batch, null);
        assertEquals(model.evalLoss(batch, null), g.loss(), 1e-12);
        assertEquals(model.trainable().size(), g.arrays().size());
        double h = 1e-6;
        int checked = 0;
        for (String name : model.trainable()) {
            INDArray p = model.graph().getVariable(name).getArr();
            INDArray grad = g.arrays().get(name);
            assertArrayEquals(p.shape(), grad.shape(), name);
            for (long i = 0; i < p.length(); i++) {
                double orig = p.getDouble(i);
                p.putScalar(i, orig + h);
                double up = model.evalLoss(batch, null);
                p.putScalar(i, orig - h);
                double down = model.evalLoss(batch, null);
                p.putScalar(i, orig);
                double numeric = (up - down) / (2 * h);
                assertEquals(numeric, grad.getDouble(i), 1e-7 * Math.max(1, Math.abs(numeric)), name + "[" + i + "]");
                checked++;
            }
        }
        return checked;
    }
}
