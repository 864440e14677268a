package org.symile.app.experiments.custom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.TestLosses;
import org.symile.app.train.Batch;
import org.symile.app.train.TrainableModel;
import org.symile.app.train.samediff.CentralDifferences;
import org.symile.data.custom.CustomLayout;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;

class CustomModelTest {
    private static final int B = 6;
    /** feat [B, 3] features that can be absent, cat: 4 category ids, tok: [B, 3] tokens of 5 ids, masked. */
    private static final CustomArchitecture ARCH = new CustomArchitecture(4, List.of(5), List.of(
            new CustomArchitecture.Encoder("feat", CustomLayout.Kind.FEATURES, 3, 1, true, false),
            new CustomArchitecture.Encoder("cat", CustomLayout.Kind.CATEGORIES, 4, 1, false, false),
            new CustomArchitecture.Encoder("tok", CustomLayout.Kind.TOKENS, 5, 3, false, true)));

    private static CustomModel model(String loss, NegativeSampling ns, int micro) {
        return new CustomModel(ARCH, TestLosses.parse(loss, ns, false), new SplittableRandom(3), micro,
                DataType.DOUBLE);
    }

    /** A stored batch as the split files hold it, turned into model inputs. */
    private static Batch batch(long seed, CustomModel m) {
        SplittableRandom r = new SplittableRandom(seed);
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> raw = new LinkedHashMap<>();
        raw.put("feat", Nd4j.randn(DataType.DOUBLE, B, 3));
        raw.put("feat_missing", Nd4j.createFromArray(new int[] {0, 1, 0, 0, 1, 0}));
        long[] cat = new long[B];
        long[][] tok = new long[B][3];
        float[][] mask = new float[B][3];
        for (int i = 0; i < B; i++) {
            cat[i] = r.nextInt(4);
            for (int p = 0; p < 3; p++) {
                tok[i][p] = r.nextInt(5);
                mask[i][p] = p == 0 || r.nextBoolean() ? 1 : 0;
            }
        }
        raw.put("cat", Nd4j.createFromArray(cat));
        raw.put("tok", Nd4j.createFromArray(tok));
        raw.put("tok_mask", Nd4j.createFromArray(mask));
        return m.inputs().apply(new Batch(raw, B));
    }

    @Test
    void idsBecomeMeanPooledCountsOverTheRealPositions() {
        CustomInputs in = new CustomInputs(ARCH, DataType.DOUBLE);
        INDArray c = in.counts(ARCH.encoder("tok"), Nd4j.createFromArray(new long[][] {{1, 1, 4}, {0, 2, 3}}),
                Nd4j.createFromArray(new float[][] {{1, 1, 1}, {1, 0, 1}}));
        assertArrayEquals(new double[] {0, 2.0 / 3, 0, 0, 1.0 / 3}, c.getRow(0).toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {0.5, 0, 0, 0.5, 0}, c.getRow(1).toDoubleVector(), 1e-15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> in.counts(ARCH.encoder("cat"), Nd4j.createFromArray(new long[] {7}), null));
        assertTrue(e.getMessage().contains("id 7 outside the model's vocabulary of 4"), e.getMessage());
    }

    /** Negatives-free losses: the batch-mean loss is a function of the weights, differentiated through every layer. */
    @ParameterizedTest
    @CsvSource({"SYMILE,N_SQUARED", "CLIP,N", "SYMILE/0.1/feat;tok,N_SQUARED", "GRAM,N"})
    void gradientsAreCentralDifferencesOfTheLossThroughEveryEncoder(String loss, NegativeSampling ns) {
        CustomModel model = model(loss, ns, 0);
        int checked = CentralDifferences.check(model, batch(1, model));
        // per modality Linear(w → 5) and Linear(5 → 4) with biases; feat's absent embedding [1, 4]; the log-scale
        assertEquals((3 * 5 + 5 + 5 * 4 + 4) + (4 * 5 + 5 + 24) + (5 * 5 + 5 + 24) + 4 + 1, checked);
    }

    @ParameterizedTest
    @CsvSource({"SYMILE,N,2", "SYMILE,N_SQUARED,3", "CLIP,N,4"})
    void aMicroBatchedStepIsThePlainStep(String loss, NegativeSampling ns, int micro) {
        CustomModel plain = model(loss, ns, 0);
        CustomModel cached = model(loss, ns, micro);
        Batch batch = batch(4, plain);
        TrainableModel.Gradients gp = plain.gradients(batch, Permutations.random(new SplittableRandom(2)));
        TrainableModel.Gradients gc = cached.gradients(batch, Permutations.random(new SplittableRandom(2)));
        assertEquals(gp.loss(), gc.loss(), 1e-12);
        for (String k : gp.arrays().keySet()) {
            assertEquals(0, gp.arrays().get(k).sub(gc.arrays().get(k)).amaxNumber().doubleValue(), 1e-12, k);
        }
    }

    /** An absent row's representation is the learned one, whatever its input; a present row's follows its input. */
    @Test
    void anAbsentModalityIsTheLearnedRepresentation() {
        CustomModel m = model("SYMILE", NegativeSampling.N, 0);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3);
        INDArray absent = m.encode("feat", Map.of("feat", x, "feat_missing", Nd4j.createFromArray(1, 1)));
        INDArray other = m.encode("feat", Map.of("feat", x.mul(5), "feat_missing", Nd4j.createFromArray(1, 1)));
        assertEquals(absent, other);
        assertEquals(absent.getRow(0), absent.getRow(1));
        INDArray present = m.encode("feat", Map.of("feat", x));
        assertTrue(present.getRow(0).sub(absent.getRow(0)).amaxNumber().doubleValue() > 1e-6);
        assertEquals(1.0, present.getRow(0).norm2Number().doubleValue(), 1e-12);
        assertArrayEquals(new long[] {2, 4}, m.encode("tok", Map.of("tok", Nd4j.createFromArray(new long[][] {{1, 2,
            3}, {0, 0, 4}}))).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.encode("feat", Map.of("feat", Nd4j.zeros(DataType.DOUBLE, 2, 7))));
        assertTrue(e.getMessage().startsWith("feat: expected features [B, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.encode("cat", Map.of("cat_missing",
                Nd4j.zeros(1), "cat", Nd4j.createFromArray(new long[] {1}))));
        assertTrue(e.getMessage().contains("never absent"), e.getMessage());
    }
}
