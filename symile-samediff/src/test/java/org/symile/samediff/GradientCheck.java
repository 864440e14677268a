package org.symile.samediff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Central-difference gradient check of a SameDiff graph in DOUBLE: every element of every listed variable is
 * perturbed by ±eps and (L(θ+eps) − L(θ−eps)) / 2eps is compared with the gradient SameDiff computes.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /**
     * @param feeder fills the placeholder map before each evaluation (for losses whose feed depends on the
     *               current values, such as the lean loss); may be a no-op
     * @return the largest relative error seen
     */
    public static double check(SameDiff sd, String loss, List<String> variables, Map<String, INDArray> base,
                               Consumer<Map<String, INDArray>> feeder, double eps, double tolerance) {
        return check(sd, loss, variables, base, feeder, eps, tolerance, Integer.MAX_VALUE);
    }

    /** As above, checking at most {@code perVariable} evenly spaced elements of each variable (large nets). */
    public static double check(SameDiff sd, String loss, List<String> variables, Map<String, INDArray> base,
                               Consumer<Map<String, INDArray>> feeder, double eps, double tolerance,
                               int perVariable) {
        Map<String, INDArray> feed = new HashMap<>(base);
        feeder.accept(feed);
        Map<String, INDArray> analytic = sd.calculateGradients(feed, variables.toArray(new String[0]));
        double worst = 0;
        for (String name : variables) {
            SDVariable v = sd.getVariable(name);
            INDArray arr = v.getArr();
            assertTrue(arr.dataType() == DataType.DOUBLE, "gradient checks run in DOUBLE: " + name);
            INDArray grad = analytic.get(name);
            INDArray flat = arr.reshape(arr.length());
            INDArray gflat = grad.reshape(grad.length());
            long step = Math.max(1, arr.length() / Math.min(arr.length(), perVariable));
            for (long i = 0; i < arr.length(); i += step) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + eps);
                double plus = eval(sd, loss, base, feeder);
                flat.putScalar(i, orig - eps);
                double minus = eval(sd, loss, base, feeder);
                flat.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * eps);
                double a = gflat.getDouble(i);
                double err = Math.abs(numeric - a) / Math.max(1.0, Math.max(Math.abs(numeric), Math.abs(a)));
                worst = Math.max(worst, err);
                assertTrue(err <= tolerance, String.format("gradient of %s[%d]: analytic %.10g, numeric %.10g",
                        name, i, a, numeric));
            }
        }
        return worst;
    }

    private static double eval(SameDiff sd, String loss, Map<String, INDArray> base,
                               Consumer<Map<String, INDArray>> feeder) {
        Map<String, INDArray> feed = new HashMap<>(base);
        feeder.accept(feed);
        return sd.output(feed, loss).get(loss).getDouble(0);
    }
}
