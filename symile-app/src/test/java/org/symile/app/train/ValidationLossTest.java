package org.symile.app.train;

import org.symile.data.synthetic.BinaryXor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.cli.TrainCommand;
import org.symile.app.config.TrainArgs;
import org.symile.app.xor.BinaryXorModel;
import org.symile.samediff.LossEvaluator;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;
import picocli.CommandLine;

class ValidationLossTest {

    static TrainArgs xorArgs(String... extra) {
        TrainCommand cmd = new TrainCommand();
        String[] base = {"--experiment", "binary_xor", "--use_seed", "True", "--d", "8", "--d_v", "3",
                "--train_n", "64", "--val_n", "32", "--test_n", "32", "--batch_sz_train", "16", "--batch_sz_val",
                "16", "--batch_sz_test", "16"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        new CommandLine(cmd).setOverwrittenOptionsAllowed(true).parseArgs(all);
        return cmd.toArgs();
    }

    @Test
    void trainerLossesEqualAnIndependentRecomputation() {
        TrainArgs args = xorArgs("--epochs", "3");
        BinaryXorModel model = new BinaryXorModel(args, RngStream.derive(1, "init"));
        Map<String, INDArray> train = BinaryXor.generate(64, 3, 0.7, RngStream.derive(1, "train"));
        Map<String, INDArray> val = BinaryXor.generate(32, 3, 0.7, RngStream.derive(1, "val"));
        Trainer trainer = new Trainer(new Trainer.Config(3, 1, 1.0, 1.0, AdamW.Config.of(0.1, 0.01), null));
        TrainState state = new TrainState(new AdamW(trainer.config().optimizer()), RngStream.derive(1, "s"),
                RngStream.derive(1, "n"));
        trainer.fit(model, IteratorBatches.of(train, 16, false), IteratorBatches.of(val, 16, true), state,
                stats -> { });
        for (int round = 0; round < 3; round++) {
            long negState = 1234 + round;
            double viaTrainer = trainer.validationLoss(model, IteratorBatches.of(val, 16, true),
                    Permutations.random(new RngStream(negState)));
            // the same batches and permutations, recomputed from the encoded representations in a fresh graph
            Permutations perms = Permutations.random(new RngStream(negState));
            LossEvaluator eval = LossEvaluator.symile(SymileLoss.Config.of(args.negativeSampling()), DataType.FLOAT);
            double logScale = model.graph().getArrForVarName(model.logScaleName()).getDouble(0);
            double sum = 0;
            for (int b0 = 0; b0 < 32; b0 += 16) {
                var idx = org.nd4j.linalg.indexing.NDArrayIndex.interval(b0, b0 + 16);
                var all = org.nd4j.linalg.indexing.NDArrayIndex.all();
                Map<String, INDArray> feed = new HashMap<>();
                for (String m : new String[] {"a", "b", "c"}) {
                    feed.put(m, val.get(m).get(idx, all).dup());
                }
                Map<String, INDArray> reps = model.graph().output(feed, "r_a", "r_b", "r_c");
                sum += 16 * eval.loss(List.of(reps.get("r_a"), reps.get("r_b"), reps.get("r_c")), logScale, perms);
            }
            assertEquals(sum / 32, viaTrainer, 1e-5, "round " + round);
        }
    }
}
