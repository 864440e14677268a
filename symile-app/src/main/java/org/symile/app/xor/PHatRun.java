package org.symile.app.xor;

import org.symile.data.synthetic.BinaryXor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.config.TrainArgs;
import org.symile.app.train.AdamW;
import org.symile.app.train.Checkpoint;
import org.symile.app.train.IteratorBatches;
import org.symile.app.train.TrainState;
import org.symile.app.train.Trainer;

/**
 * Training and testing of one p̂: fresh data and model, best-by-validation-loss checkpoint, {@code last.ckpt}
 * after every epoch, and the test on fresh draws. Random streams are derived from (seed, purpose, p̂ index), so
 * a run repeats exactly and a resumed one continues exactly.
 */
final class PHatRun implements Trainer.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PHatRun.class);

    private final TrainArgs args;
    private final Trainer trainer;
    private final long seed;
    private final int idx;
    private final double pHat;
    private final Path runDir;
    private final Path dir;
    private final Supplier<List<BinaryXorExperiment.Row>> rows;
    private final long epochsAfter;
    private final BooleanSupplier stop;
    private final BinaryXorModel model;
    private final TrainState state;
    private double bestLoss = Double.POSITIVE_INFINITY;
    private int bestEpoch = -1;
    private Path bestFile;

    /**
     * @param rows        the sweep's results so far (a snapshot per call), recorded in checkpoints
     * @param epochsAfter epochs other p̂ values will train after this one, for the ETA
     * @param stop        polled between steps; true stops training (another p̂ failed)
     */
    PHatRun(TrainArgs args, Trainer trainer, long seed, int idx, Path runDir,
            Supplier<List<BinaryXorExperiment.Row>> rows, long epochsAfter, BooleanSupplier stop) {
        this.args = args;
        this.trainer = trainer;
        this.seed = seed;
        this.idx = idx;
        this.pHat = args.xor().pHats().get(idx);
        this.runDir = runDir;
        this.dir = BinaryXorExperiment.pHatDir(runDir, pHat);
        this.rows = rows;
        this.epochsAfter = epochsAfter;
        this.stop = stop;
        this.model = new BinaryXorModel(args, BinaryXorExperiment.stream(seed, "init", idx));
        this.state = new TrainState(new AdamW(trainer.config().optimizer()),
                BinaryXorExperiment.stream(seed, "shuffle", idx), BinaryXorExperiment.stream(seed, "negatives", idx));
    }

    /** Continues from a checkpoint of this p̂: weights, optimizer, counters, streams and the best so far. */
    void restore(Checkpoint ckpt, Path from) {
        for (Map.Entry<String, INDArray> e : ckpt.variables().entrySet()) {
            var v = model.graph().getVariable(e.getKey());
            if (v == null || v.getArr() == null) {
                throw new IllegalArgumentException("--ckpt_path: checkpoint variable '" + e.getKey()
                        + "' does not exist in this model (different --d, --d_v or --loss_fn?)");
            }
            if (!java.util.Arrays.equals(v.getArr().shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("--ckpt_path: checkpoint variable '" + e.getKey() + "' has shape "
                        + java.util.Arrays.toString(e.getValue().shape()) + ", this model's is "
                        + java.util.Arrays.toString(v.getArr().shape()) + " (different --d or --d_v?)");
            }
            v.getArr().assign(e.getValue());
        }
        ObjectNode meta = ckpt.meta();
        state.restore((ObjectNode) meta.path("trainer"), ckpt.optimizer());
        if (meta.has("best_val_loss")) {
            bestLoss = meta.path("best_val_loss").asDouble();
            bestEpoch = meta.path("best_epoch").asInt();
            bestFile = Path.of(meta.path("best_file").asText());
        }
        LOG.info("[p_hat {}] resumed at epoch {} from {}", fmtP(), state.epoch(), from);
    }

    /** Trains (from the restored epoch on) and returns the test accuracies (one, or bootstrap_n). */
    double[] trainAndTest() {
        TrainArgs.XorArgs x = args.xor();
        Map<String, INDArray> train = BinaryXor.generate(x.trainN(), x.dV(), pHat,
                BinaryXorExperiment.stream(seed, "data", idx, 0));
        Map<String, INDArray> val = BinaryXor.generate(x.valN(), x.dV(), pHat,
                BinaryXorExperiment.stream(seed, "data", idx, 1));
        // upstream's val and test loaders drop the last partial batch (spec §3.4)
        trainer.fit(model, IteratorBatches.of(train, args.batchSzTrain(), args.dropLast()),
                IteratorBatches.of(val, args.batchSzVal(), true), state, this);
        if (bestFile != null) {
            Checkpoint best = Checkpoint.read(bestFile);
            best.variables().forEach((k, v) -> model.graph().getVariable(k).getArr().assign(v));
            LOG.info("[p_hat {}] testing the best checkpoint: epoch {} (0-based), val_loss {}", fmtP(), bestEpoch,
                    String.format(Locale.ROOT, "%.4f", bestLoss));
        }
        int reps = x.bootstrap() ? x.bootstrapN() : 1;
        double[] acc = new double[reps];
        for (int r = 0; r < reps; r++) {
            Map<String, INDArray> test = BinaryXor.generate(x.testN(), x.dV(), pHat,
                    BinaryXorExperiment.stream(seed, "test", idx, r));
            acc[r] = model.testAccuracy(test, args.batchSzTest());
        }
        LOG.info("[p_hat {}] test_acc {} (Bayes-optimal {})", fmtP(), java.util.Arrays.toString(
                java.util.Arrays.stream(acc).mapToObj(a -> String.format(Locale.ROOT, "%.4f", a)).toArray()),
                String.format(Locale.ROOT, "%.4f", BinaryXor.bayesOptimal(x.dV(), pHat)));
        return acc;
    }

    /** Lowest epoch-mean validation loss seen (NaN if validation never ran). */
    double bestValLoss() {
        return bestFile == null ? Double.NaN : bestLoss;
    }

    /** Rewrites last.ckpt with this p̂'s results, so a resume knows it is complete. */
    void markDone(List<BinaryXorExperiment.Row> allRows) {
        writeLast(true, allRows);
    }

    @Override
    public void onEpochEnd(Trainer.EpochStats stats) {
        if (stats.validated() && stats.valLoss() < bestLoss) {
            Path old = bestFile;
            bestLoss = stats.valLoss();
            bestEpoch = stats.epoch() - 1;
            bestFile = dir.resolve(String.format(Locale.ROOT, "epoch=%d-val_loss=%.4f.ckpt", bestEpoch, bestLoss));
            new Checkpoint(meta(false, rows.get()), BinaryXorExperiment.variables(model), Map.of()).write(bestFile);
            if (old != null && !old.equals(bestFile)) {
                BinaryXorExperiment.delete(old);
            }
        }
        writeLast(false, rows.get());
    }

    private void writeLast(boolean done, List<BinaryXorExperiment.Row> allRows) {
        new Checkpoint(meta(done, allRows), BinaryXorExperiment.variables(model), state.optimizer().state())
                .write(dir.resolve("last.ckpt"));
    }

    private ObjectNode meta(boolean done, List<BinaryXorExperiment.Row> allRows) {
        ObjectNode m = Checkpoint.newMeta();
        ObjectMapper json = new ObjectMapper();
        m.put("experiment", "binary_xor");
        m.put("save_dir", runDir.toString());
        m.put("seed", seed);
        m.put("p_hat_index", idx);
        m.put("p_hat", pHat);
        m.put("p_hat_done", done);
        m.set("args", json.valueToTree(args.toFlags()));
        m.set("trainer", state.toJson());
        if (bestFile != null) {
            m.put("best_val_loss", bestLoss);
            m.put("best_epoch", bestEpoch);
            m.put("best_file", bestFile.toString());
        }
        ArrayNode res = m.putArray("results");
        for (BinaryXorExperiment.Row r : allRows) {
            res.add(json.valueToTree(BinaryXorExperiment.rowJson(r)));
        }
        return m;
    }

    @Override
    public String label() {
        return "p_hat " + fmtP();
    }

    @Override
    public long epochsAfterThisFit() {
        return epochsAfter;
    }

    @Override
    public boolean stopRequested() {
        return stop.getAsBoolean();
    }

    private String fmtP() {
        return String.format(Locale.ROOT, "%.1f", pHat);
    }
}
