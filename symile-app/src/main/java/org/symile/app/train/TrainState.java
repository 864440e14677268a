package org.symile.app.train;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Everything about a training run that changes as it goes and must survive a resume: completed epochs, optimizer
 * steps and state, the shuffle and negative-sampling random streams, and the per-epoch metrics.
 */
public final class TrainState {
    private int epoch;
    private long globalStep;
    private final AdamW optimizer;
    private final RngStream shuffle;
    private final RngStream negatives;
    private final List<Trainer.EpochStats> history = new ArrayList<>();

    public TrainState(AdamW optimizer, RngStream shuffle, RngStream negatives) {
        this.optimizer = optimizer;
        this.shuffle = shuffle;
        this.negatives = negatives;
    }

    public int epoch() {
        return epoch;
    }

    void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    public long globalStep() {
        return globalStep;
    }

    void nextStep() {
        globalStep++;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public RngStream shuffle() {
        return shuffle;
    }

    public RngStream negatives() {
        return negatives;
    }

    void record(Trainer.EpochStats stats) {
        history.add(stats);
    }

    public List<Trainer.EpochStats> history() {
        return Collections.unmodifiableList(history);
    }

    /** Counters and streams as checkpoint metadata (the optimizer arrays are stored separately). */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("epoch", epoch);
        n.put("global_step", globalStep);
        n.put("optimizer_steps", optimizer.steps());
        n.put("rng_shuffle", shuffle.state());
        n.put("rng_negatives", negatives.state());
        ArrayNode h = n.putArray("history");
        for (Trainer.EpochStats s : history) {
            ObjectNode e = h.addObject();
            e.put("epoch", s.epoch());
            e.put("train_loss", s.trainLoss());
            if (s.validated()) {
                e.put("val_loss", s.valLoss());
            }
            s.valMetrics().forEach(e::put);
            e.put("logit_scale_exp", s.logitScaleExp());
        }
        return n;
    }

    /** Restores counters, streams and history from {@link #toJson()} plus the optimizer arrays. */
    public void restore(ObjectNode n, java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> optimizerState) {
        epoch = n.path("epoch").asInt();
        globalStep = n.path("global_step").asLong();
        shuffle.restore(n.path("rng_shuffle").asLong());
        negatives.restore(n.path("rng_negatives").asLong());
        optimizer.restore(optimizerState, n.path("optimizer_steps").asLong());
        history.clear();
        for (var e : n.path("history")) {
            java.util.Map<String, Double> metrics = new java.util.LinkedHashMap<>();
            e.fields().forEachRemaining(f -> {
                String k = f.getKey();
                if (!List.of("epoch", "train_loss", "val_loss", "logit_scale_exp").contains(k)) {
                    metrics.put(k, f.getValue().asDouble());
                }
            });
            history.add(new Trainer.EpochStats(e.path("epoch").asInt(), e.path("train_loss").asDouble(),
                    e.has("val_loss") ? e.path("val_loss").asDouble() : Double.NaN, metrics,
                    e.path("logit_scale_exp").asDouble(), Double.NaN, Double.NaN));
        }
    }
}
