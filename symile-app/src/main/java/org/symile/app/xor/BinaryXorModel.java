package org.symile.app.xor;

import org.symile.data.synthetic.BinaryXor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.app.config.TrainArgs;
import org.symile.app.train.Batch;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.LogitScale;
import org.symile.samediff.LossGraph;
import org.symile.samediff.ZeroShot;
import org.symile.samediff.nn.L2Normalize;
import org.symile.samediff.nn.Linear;

/**
 * The binary XOR model (spec §3.3): three independent Linear(d_v → d) encoders with bias and no activation, each
 * output L2-normalised, and the learned log-scale. Modality order in the loss is (a, b, c).
 */
public final class BinaryXorModel implements TrainableModel {
    static final String[] MODALITIES = {"a", "b", "c"};

    private final SameDiff sd;
    private final LossGraph loss;
    private final LogitScale scale;
    private final List<String> trainable = new ArrayList<>();
    private final String lossFn;

    public BinaryXorModel(TrainArgs args, RandomGenerator init) {
        this.sd = SameDiff.create();
        this.lossFn = args.lossFn();
        int dv = args.xor().dV();
        List<SDVariable> reps = new ArrayList<>();
        for (String m : MODALITIES) {
            SDVariable in = sd.placeHolder(m, DataType.FLOAT, -1, dv);
            Linear f = Linear.create(sd, "f_" + m, dv, args.d(), true, init, DataType.FLOAT);
            trainable.add(f.weight().name());
            trainable.add(f.bias().name());
            reps.add(L2Normalize.apply(sd, f.apply(sd, in)).rename("r_" + m));
        }
        this.scale = LogitScale.create(sd, LogitScale.DEFAULT_NAME, args.logitScaleInit(), args.freezeLogitScale(),
                DataType.FLOAT);
        if (!scale.frozen()) {
            trainable.add(scale.logScale().name());
        }
        this.loss = TrainableModel.buildLoss(sd, args, reps, scale);
    }

    @Override
    public SameDiff graph() {
        return sd;
    }

    @Override
    public LossGraph loss() {
        return loss;
    }

    @Override
    public List<String> trainable() {
        return trainable;
    }

    @Override
    public Map<String, INDArray> placeholders(Batch batch, boolean training) {
        return Map.of("a", batch.get("a"), "b", batch.get("b"), "c", batch.get("c"));
    }

    @Override
    public String logScaleName() {
        return scale.logScale().name();
    }

    /**
     * Test accuracy of predicting b from (a, c) over all 2^{d_v} candidates (spec §3.5): candidates and queries
     * are encoded and normalised, scored with the Symile MIP or the CLIP pairwise sum, argmax with the first
     * maximum winning. Only whole batches of {@code batchSize} rows count (upstream's test loader drops the rest).
     */
    public double testAccuracy(Map<String, INDArray> test, int batchSize) {
        int dv = (int) test.get("a").columns();
        long rows = (test.get("a").rows() / batchSize) * (long) batchSize;
        if (rows == 0) {
            throw new IllegalArgumentException("--test_n: " + test.get("a").rows() + " samples make no whole batch of"
                    + " --batch_sz_test " + batchSize);
        }
        INDArray cand = sd.output(Map.of("b", BinaryXor.candidates(dv)), "r_b").get("r_b");
        double s = Math.exp(sd.getArrForVarName(scale.logScale().name()).getDouble(0));
        ZeroShot.Score score = lossFn.equals("clip") ? ZeroShot.Score.CLIP : ZeroShot.Score.SYMILE;
        long correct = 0;
        for (long r0 = 0; r0 < rows; r0 += batchSize) {
            var idx = org.nd4j.linalg.indexing.NDArrayIndex.interval(r0, r0 + batchSize);
            var all = org.nd4j.linalg.indexing.NDArrayIndex.all();
            Map<String, INDArray> q = sd.output(Map.of("a", test.get("a").get(idx, all).dup(), "c",
                    test.get("c").get(idx, all).dup()), "r_a", "r_c");
            long[] pred = ZeroShot.argmax(score, cand, List.of(q.get("r_a"), q.get("r_c")), s, ZeroShot.DEFAULT_CHUNK);
            long[] truth = BinaryXor.indices(test.get("b").get(idx, all));
            for (int i = 0; i < pred.length; i++) {
                correct += pred[i] == truth[i] ? 1 : 0;
            }
        }
        return correct / (double) rows;
    }
}
