package org.symile.app.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.symile.app.train.GradientCache;
import org.symile.app.train.TrainableModel;
import org.symile.samediff.LossGradients;
import org.symile.samediff.Permutations;

/**
 * One training step with global negatives ({@code --spark_negatives global}): gradient caching across workers.
 * Every worker encodes its batch at the driver's weights without activations (phase 1); the driver computes the
 * loss over every worker's rows, in worker order, and its gradient with respect to every representation (phase 2);
 * every worker back-propagates its rows' share (phase 3); the driver applies the sum of the parameter gradients
 * (the loss is one mean over all the rows) and the mean of the running-statistics updates. With W workers of b rows
 * the step equals one process's at batch W·b with {@code --micro_batch_sz b}: the same rows in the same order and,
 * the driver drawing them from the run's stream, the same negatives (running statistics aside: one process moves
 * them micro-batch after micro-batch, the driver by the mean of the workers' moves). Two Spark jobs per step; the
 * weights travel once (one broadcast read by both), the representations and their gradients ([rows, d] per modality
 * and worker) once each way.
 */
final class GlobalNegativesStep {
    /** The step's loss over every row and the rows; a non-finite loss means nothing was applied. */
    record Result(double loss, long rows) {
    }

    private final JavaSparkContext sc;
    private final ReplicaJob job;

    GlobalNegativesStep(JavaSparkContext sc, ReplicaJob job) {
        this.sc = sc;
        this.job = job;
    }

    Result run(TrainableModel model, List<RoundTask> tasks, Permutations negatives) {
        GradientCache cache = model.gradientCache().orElseThrow(() -> new IllegalStateException(
                "--spark_negatives global: the driver's model was built without gradient-cached steps"));
        Broadcast<byte[]> weights = sc.broadcast(ArrayBundle.write(model.state()));
        try {
            List<EncodeResult> encoded = SparkCluster.runJob(sc, tasks, null, encodeOf(job, weights));
            long rows = 0;
            List<List<INDArray>> byModality = new ArrayList<>();
            for (EncodeResult e : encoded) {
                Map<String, INDArray> reps = ArrayBundle.read(e.representations());
                for (int m = 0; m < reps.size(); m++) {
                    if (byModality.size() <= m) {
                        byModality.add(new ArrayList<>());
                    }
                    byModality.get(m).add(reps.get("r" + m));
                }
                rows += e.rows();
            }
            List<INDArray> whole = new ArrayList<>();
            for (List<INDArray> parts : byModality) {
                whole.add(Nd4j.concat(0, parts.toArray(new INDArray[0])));
                parts.forEach(INDArray::close);
            }
            LossGradients lg = cache.loss(new GradientCache.Encoded(whole, Math.log(model.logitScale())), negatives);
            if (!Double.isFinite(lg.loss())) {
                whole.forEach(INDArray::close);
                return new Result(lg.loss(), rows);
            }
            List<BackpropTask> back = new ArrayList<>();
            long from = 0;
            for (int i = 0; i < tasks.size(); i++) {
                long to = from + encoded.get(i).rows();
                Map<String, INDArray> slice = new LinkedHashMap<>();
                for (int m = 0; m < lg.gradients().size(); m++) {
                    slice.put("r" + m, lg.gradients().get(m).get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
                }
                back.add(new BackpropTask(tasks.get(i), ArrayBundle.write(slice), i == 0 ? lg.gradLogScale() : 0.0));
                from = to;
            }
            whole.forEach(INDArray::close);
            List<GradientResult> results = SparkCluster.runJob(sc, back, null, backpropagateOf(job, weights));
            List<byte[]> gradients = new ArrayList<>();
            results.forEach(g -> gradients.add(g.gradients()));
            Map<String, INDArray> combined = ArrayBundle.combine(gradients,
                    name -> name.startsWith(TrainableModel.RUNNING_UPDATE));
            model.applyGradients(combined);
            combined.values().forEach(INDArray::close);
            return new Result(lg.loss(), rows);
        } finally {
            weights.destroy();
        }
    }

    /** Phase 1's task function; static so that the closure holds only what it names. */
    private static Function<RoundTask, EncodeResult> encodeOf(ReplicaJob job, Broadcast<byte[]> weights) {
        return task -> Replicas.encode(job, weights.value(), task);
    }

    /** Phase 3's task function; static so that the closure holds only what it names. */
    private static Function<BackpropTask, GradientResult> backpropagateOf(ReplicaJob job, Broadcast<byte[]> weights) {
        return task -> Replicas.backpropagate(job, weights.value(), task);
    }
}
