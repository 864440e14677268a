package org.symile.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.spec.TrainerSpec;
import org.symile.samediff.Permutations;

/**
 * The epoch loop on a model whose loss is the mean of its batch's values (so an epoch's row-weighted mean is the
 * mean of the split, whatever the shuffle): steps, validation schedule, limits, resume, divergence and stopping.
 */
class TrainerTest {
    private static final OptimizerSpec OPTIMIZER = OptimizerSpec.of(0.1, 0.0);

    /** Loss = mean of the batch's "x" (+100 in evaluation mode); NaN from step {@code nanFrom} on. */
    private static final class MeanModel implements TrainableModel {
        final List<Integer> stepRows = new ArrayList<>();
        long nanFrom = Long.MAX_VALUE;

        @Override
        public void useOptimizer(OptimizerSpec optimizer) {
        }

        @Override
        public double trainStep(Batch batch, Permutations negatives) {
            stepRows.add(batch.rows());
            return stepRows.size() >= nanFrom ? Double.NaN : batch.get("x").meanNumber().doubleValue();
        }

        @Override
        public Gradients gradients(Batch batch, Permutations negatives) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void applyGradients(Map<String, INDArray> gradients) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double evalLoss(Batch batch, Permutations negatives) {
            return 100 + batch.get("x").meanNumber().doubleValue();
        }

        @Override
        public double logitScale() {
            return 2.0;
        }

        @Override
        public Map<String, INDArray> state() {
            return Map.of();
        }

        @Override
        public Optional<Optimizer> optimizer() {
            return Optional.empty();
        }
    }

    /** Records what the trainer reports; asks to stop after {@code stopAfter} steps. */
    private static final class Recorder implements Trainer.Listener {
        final List<Trainer.StepStats> steps = new ArrayList<>();
        final List<Trainer.EpochStats> epochs = new ArrayList<>();
        final List<Integer> validatedAt = new ArrayList<>();
        int stopAfter = Integer.MAX_VALUE;

        @Override
        public void onStep(Trainer.StepStats stats) {
            steps.add(stats);
        }

        @Override
        public Map<String, Double> validationMetrics(int epoch) {
            validatedAt.add(epoch);
            return Map.of("val_acc", epoch / 10.0);
        }

        @Override
        public void onEpochEnd(Trainer.EpochStats stats) {
            epochs.add(stats);
        }

        @Override
        public boolean stopRequested() {
            return steps.size() >= stopAfter;
        }
    }

    /** Rows 0..n-1 as column "x", in batches of {@code batch}. */
    private static BatchSource rows(int n, int batch) {
        INDArray x = Nd4j.arange(n).castTo(DataType.DOUBLE).reshape(n, 1);
        return IteratorBatches.of(Map.of("x", x), batch, false);
    }

    private static TrainerSpec spec(int epochs, int checkVal, double limitTrain) {
        return new TrainerSpec(epochs, checkVal, limitTrain, 1.0, 4, 4, 4, false);
    }

    private static TrainState fresh() {
        return new TrainState(new RngStream(1), new RngStream(2));
    }

    @Test
    void everyBatchIsOneStepAndEpochsReportRowWeightedMeans() {
        MeanModel model = new MeanModel();
        Recorder rec = new Recorder();
        TrainState state = fresh();
        new Trainer(spec(4, 2, 1.0), OPTIMIZER, null).fit(model, rows(10, 4), rows(6, 4), state, rec);

        assertEquals(12, model.stepRows.size());
        assertEquals(12, rec.steps.size());
        for (int i = 0; i < 12; i++) {
            Trainer.StepStats s = rec.steps.get(i);
            assertEquals(i + 1, s.step());
            assertEquals(i / 3 + 1, s.epoch());
            assertEquals(i % 3 + 1, s.batch());
            assertEquals(3, s.batches());
            assertEquals(2.0, s.logitScaleExp());
            assertEquals(0.1, s.lr());
        }
        assertEquals(List.of(2, 4), rec.validatedAt);
        assertEquals(4, rec.epochs.size());
        for (Trainer.EpochStats e : rec.epochs) {
            // every row once per epoch: the mean of 0..9 whatever the shuffle
            assertEquals(4.5, e.trainLoss(), 1e-12);
            boolean due = e.epoch() % 2 == 0;
            assertEquals(due, e.validated(), "epoch " + e.epoch());
            // validation batches (4 + 2 rows of 0..5) weighted by rows: 100 + 2.5
            assertEquals(due ? 102.5 : Double.NaN, e.valLoss(), 1e-12);
            assertEquals(due ? Map.of("val_acc", e.epoch() / 10.0) : Map.of(), e.valMetrics());
            assertEquals(2.0, e.logitScaleExp());
        }
        assertEquals(4, state.epoch());
        assertEquals(12, state.globalStep());
        assertEquals(4, state.history().size());
    }

    @Test
    void theEpochOrderIsDrawnFromTheShuffleStream() {
        List<List<Integer>> orders = new ArrayList<>();
        for (long seed : new long[] {1, 1, 2}) {
            MeanModel model = new MeanModel();
            Recorder rec = new Recorder();
            TrainState state = new TrainState(new RngStream(seed), new RngStream(2));
            new Trainer(spec(1, 1, 1.0), OPTIMIZER, null).fit(model, rows(10, 4), rows(6, 4), state, rec);
            List<Integer> firstRows = new ArrayList<>();
            rec.steps.forEach(s -> firstRows.add((int) Math.round(s.trainLoss() * 1000)));
            orders.add(firstRows);
        }
        assertEquals(orders.get(0), orders.get(1));
        assertFalse(orders.get(0).equals(orders.get(2)), "another seed, another order: " + orders);
    }

    @Test
    void aResumedStateTrainsOnlyTheRemainingEpochs() {
        MeanModel model = new MeanModel();
        Recorder rec = new Recorder();
        TrainState state = fresh();
        state.setEpoch(3);
        new Trainer(spec(4, 1, 1.0), OPTIMIZER, null).fit(model, rows(10, 4), rows(6, 4), state, rec);
        assertEquals(3, model.stepRows.size());
        assertEquals(List.of(4), rec.validatedAt);
        assertEquals(4, rec.epochs.get(0).epoch());
        assertEquals(4, state.epoch());
    }

    @Test
    void limitTrainBatchesTakesAFractionOrACount() {
        for (double limit : new double[] {0.5, 2.0}) {
            MeanModel model = new MeanModel();
            new Trainer(spec(2, 1, limit), OPTIMIZER, null).fit(model, rows(10, 4), rows(6, 4), fresh(),
                    new Recorder());
            // 3 batches an epoch: floor(0.5 * 3) = 1, or 2
            assertEquals(limit < 1 ? 2 : 4, model.stepRows.size(), "limit " + limit);
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunWithAdviceAndNoEpochEnd() {
        MeanModel model = new MeanModel();
        model.nanFrom = 5;
        Recorder rec = new Recorder();
        TrainState state = fresh();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Trainer(spec(4, 1, 1.0), OPTIMIZER, "try --freeze_logit_scale True").fit(model,
                        rows(10, 4), rows(6, 4), state, rec));
        assertTrue(e.getMessage().startsWith("train loss is NaN at epoch 2, step 2: the run diverged. Try a lower"
                + " --lr (now 0.100000); try --freeze_logit_scale True"), e.getMessage());
        assertEquals(1, rec.epochs.size());
        assertEquals(1, state.epoch());
        assertEquals(4, state.globalStep());
    }

    @Test
    void aStopRequestEndsTheFitBeforeTheNextStep() {
        MeanModel model = new MeanModel();
        Recorder rec = new Recorder();
        rec.stopAfter = 4;
        CancellationException e = assertThrows(CancellationException.class,
                () -> new Trainer(spec(4, 1, 1.0), OPTIMIZER, null).fit(model, rows(10, 4), rows(6, 4), fresh(),
                        rec));
        assertEquals("training stopped at epoch 2", e.getMessage());
        assertEquals(4, model.stepRows.size());
    }

    @Test
    void durationsAndNumbersAreFormattedForTheProgressLine() {
        assertEquals("59s", Trainer.duration(59.4));
        assertEquals("1m01s", Trainer.duration(61));
        assertEquals("1h01m", Trainer.duration(3700));
        assertEquals("-", Trainer.duration(Double.NaN));
        assertEquals("-", Trainer.fmt(Double.NaN));
        assertEquals("0.1235", Trainer.fmt(0.12345));
    }
}
