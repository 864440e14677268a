package org.symile.samediff.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eager text encoder against the SameDiff {@link TextEncoder} (itself gradient-checked in NetworkBlocksTest):
 * the same output and the same gradient for every parameter, in DOUBLE; and its own central differences.
 */
class EagerTextEncoderTest {
    private static final TextEncoder.Config C = new TextEncoder.Config(11, 8, 2, 12, 12, 1, 1e-5, 1, true);
    private static final int[][] IDS = {{0, 4, 9, 2, 1, 1}, {0, 7, 4, 4, 5, 2}, {0, 3, 2, 1, 1, 1}};
    private static final double[][] MASK = {{1, 1, 1, 1, 0, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}};

    private record Setup(SameDiff sd, TextEncoder enc, INDArray weights, Map<String, INDArray> feed) {
    }

    private static Setup setup() {
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
        SDVariable pos = sd.placeHolder("pos", DataType.INT32, -1, -1);
        SDVariable mask = sd.placeHolder("mask", DataType.DOUBLE, -1, -1);
        TextEncoder enc = new TextEncoder(sd, "text", C, ids, pos, mask, new SplittableRandom(4), DataType.DOUBLE);
        // non-trivial LayerNorm parameters, so that their gradients and the normalisation both matter
        SplittableRandom r = new SplittableRandom(8);
        for (Map.Entry<String, SDVariable> e : enc.parameters().entrySet()) {
            if (e.getKey().contains("LayerNorm")) {
                INDArray a = e.getValue().getArr();
                for (long i = 0; i < a.length(); i++) {
                    a.putScalar(i, a.getDouble(i) + 0.3 * r.nextGaussian());
                }
            }
        }
        Nd4j.getRandom().setSeed(12);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 3, 6, 8).subi(0.5);
        enc.output().mul(sd.constant(w)).sum().rename("loss");
        sd.setLossVariables("loss");
        Map<String, INDArray> feed = Map.of("ids", Nd4j.createFromArray(IDS), "pos",
                Nd4j.createFromArray(TextEncoder.positionIds(IDS, C)), "mask", Nd4j.createFromArray(MASK));
        return new Setup(sd, enc, w, feed);
    }

    /** Row blocks of 4 and 5 tokens (18 in all: a partial last block) and one block for everything. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {4, 5, 1024})
    void matchesTheGraphEncoderInValueAndEveryGradient(int rowBlock) {
        Setup s = setup();
        INDArray expected = s.sd().output(s.feed(), s.enc().output().name()).get(s.enc().output().name());
        Map<String, INDArray> expectedGrads = s.sd().calculateGradients(s.feed(), NetworkBlocksTest.variables(s.sd()));
        EagerTextEncoder eager = new EagerTextEncoder(s.enc(), rowBlock);
        EagerTextEncoder.Pass pass = eager.forward(s.feed().get("ids"), s.feed().get("pos"), s.feed().get("mask"),
                true);
        assertTrue(expected.equalsWithEps(pass.output(), 1e-12), "output");
        Map<String, INDArray> grads = pass.backward(s.weights());
        assertEquals(new java.util.TreeSet<>(expectedGrads.keySet()), new java.util.TreeSet<>(grads.keySet()));
        for (String k : expectedGrads.keySet()) {
            INDArray e = expectedGrads.get(k);
            INDArray a = grads.get(k);
            assertEquals(java.util.Arrays.toString(e.shape()), java.util.Arrays.toString(a.shape()), k);
            double scale = Math.max(1e-3, e.norm2Number().doubleValue());
            assertTrue(e.sub(a).norm2Number().doubleValue() / scale < 1e-10, k + ": " + e + " vs " + a);
        }
        // the evaluation pass gives the same output and keeps nothing for a backward
        EagerTextEncoder.Pass eval = eager.forward(s.feed().get("ids"), s.feed().get("pos"), s.feed().get("mask"),
                false);
        assertTrue(expected.equalsWithEps(eval.output(), 1e-12));
        assertThrows(IllegalStateException.class, () -> eval.backward(s.weights()));
    }

    @Test
    void backwardMatchesCentralDifferences() {
        Setup s = setup();
        checkCentralDifferences(s, new EagerTextEncoder(s.enc()), null, 3);
    }

    /** With dropout (p 0.3, fixed masks) the backward pass is still the derivative of the pass: central differences. */
    @Test
    void backwardWithDropoutMatchesCentralDifferences() {
        Setup s = setup();
        checkCentralDifferences(s, new EagerTextEncoder(s.enc(), 5), new EagerTextEncoder.Dropout(0.3, 77, 0), 5);
    }

    /** Four random entries of every parameter: the backward pass against central differences of the pass. */
    private static void checkCentralDifferences(Setup s, EagerTextEncoder eager, EagerTextEncoder.Dropout dropout,
                                                long seed) {
        Map<String, INDArray> grads = eager.forward(s.feed().get("ids"), s.feed().get("pos"), s.feed().get("mask"),
                true, dropout).backward(s.weights());
        SplittableRandom r = new SplittableRandom(seed);
        double h = 1e-6;
        int checked = 0;
        for (SDVariable v : s.enc().parameters().values()) {
            INDArray p = v.getArr();
            for (int t = 0; t < 4; t++) {
                long i = r.nextLong(p.length());
                double orig = p.getDouble(i);
                p.putScalar(i, orig + h);
                double up = loss(eager, s, dropout);
                p.putScalar(i, orig - h);
                double down = loss(eager, s, dropout);
                p.putScalar(i, orig);
                double numeric = (up - down) / (2 * h);
                double analytic = grads.get(v.name()).getDouble(i);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), v.name() + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(4 * s.enc().parameters().size(), checked);
    }

    /**
     * Masks are drawn per row of the step's batch: rows 1..2 encoded as a micro-batch starting at row 1 get the
     * whole batch's rows 1..2 exactly; p = 0 is no dropout; p > 0 changes the output, and a new seed other masks.
     */
    @Test
    void dropoutMasksBelongToTheRowsOfTheWholeBatch() {
        Setup s = setup();
        EagerTextEncoder eager = new EagerTextEncoder(s.enc());
        INDArray ids = s.feed().get("ids");
        INDArray pos = s.feed().get("pos");
        INDArray mask = s.feed().get("mask");
        INDArray whole = eager.forward(ids, pos, mask, false, new EagerTextEncoder.Dropout(0.4, 9, 0)).output().dup();
        var rows = org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3);
        var all = org.nd4j.linalg.indexing.NDArrayIndex.all();
        INDArray part = eager.forward(ids.get(rows, all).dup(), pos.get(rows, all).dup(), mask.get(rows, all).dup(),
                false, new EagerTextEncoder.Dropout(0.4, 9, 1)).output().dup();
        assertEquals(0, whole.get(rows, all, all).sub(part).amaxNumber().doubleValue(), 1e-12);
        INDArray none = eager.forward(ids, pos, mask, false).output().dup();
        INDArray zero = eager.forward(ids, pos, mask, false, new EagerTextEncoder.Dropout(0, 9, 0)).output().dup();
        assertTrue(none.equalsWithEps(zero, 0.0));
        assertTrue(whole.sub(none).amaxNumber().doubleValue() > 0.1, "dropout changes the output");
        INDArray other = eager.forward(ids, pos, mask, false, new EagerTextEncoder.Dropout(0.4, 10, 0)).output()
                .dup();
        assertTrue(whole.sub(other).amaxNumber().doubleValue() > 0.1, "another seed, other masks");
        assertThrows(IllegalArgumentException.class, () -> new EagerTextEncoder.Dropout(1.0, 1, 0));
    }

    @Test
    void refusesMismatchedInputs() {
        Setup s = setup();
        EagerTextEncoder eager = new EagerTextEncoder(s.enc());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> eager.forward(
                s.feed().get("ids"), s.feed().get("pos"), Nd4j.ones(DataType.DOUBLE, 3, 5), false));
        assertTrue(e.getMessage().contains("[B, L]"), e.getMessage());
    }

    private static double loss(EagerTextEncoder eager, Setup s, EagerTextEncoder.Dropout dropout) {
        EagerTextEncoder.Pass pass = eager.forward(s.feed().get("ids"), s.feed().get("pos"), s.feed().get("mask"),
                false, dropout);
        return pass.output().mul(s.weights()).sumNumber().doubleValue();
    }
}
