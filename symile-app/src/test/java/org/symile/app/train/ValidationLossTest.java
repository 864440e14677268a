package org.symile.app.train;

import org.symile.data.synthetic.BinaryXor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.experiments.xor.BinaryXorModel;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.spec.TrainerSpec;
import org.symile.samediff.LossEvaluator;
import org.symile.samediff.Permutations;
import org.symile.samediff.NegativeSampling;

class ValidationLossTest {

    @Test
    void trainerLossesEqualAnIndependentRecomputation() {
        LossSpec loss = new LossSpec(LossFn.SYMILE, NegativeSampling.N, false, -0.3, false);
        BinaryXorModel model = new BinaryXorModel(3, 8, loss, RngStream.derive(1, "init"));
        model.useOptimizer(OptimizerSpec.of(0.1, 0.01));
        Map<String, INDArray> train = BinaryXor.generate(64, 3, 0.7, RngStream.derive(1, "train"));
        Map<String, INDArray> val = BinaryXor.generate(32, 3, 0.7, RngStream.derive(1, "val"));
        Trainer trainer = new Trainer(new TrainerSpec(3, 1, 1.0, 1.0, 16, 16, 16, false), OptimizerSpec.of(0.1, 0.01),
                null);
        TrainState state = new TrainState(RngStream.derive(1, "s"), RngStream.derive(1, "n"));
        trainer.fit(model, IteratorBatches.of(train, 16, false), IteratorBatches.of(val, 16, true), state,
                stats -> { });
        for (int round = 0; round < 3; round++) {
            long negState = 1234 + round;
            double viaTrainer = trainer.validationLoss(model, IteratorBatches.of(val, 16, true),
                    Permutations.random(new RngStream(negState)));
            // the same batches and permutations, recomputed from the encoded representations in a fresh graph
            Permutations perms = Permutations.random(new RngStream(negState));
            LossEvaluator eval = LossEvaluator.symile(loss.symileConfig(List.of("a", "b", "c")), DataType.FLOAT);
            double logScale = model.graph().getArrForVarName("logit_scale").getDouble(0);
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
