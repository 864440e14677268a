package org.symile.app.spark;

import java.io.Serializable;

/**
 * The run as executors rebuild it: the run's flags and the model's architecture as JSON texts (the checkpoint's
 * own records), under a key that names this training job's replicas in each executor's {@link Replicas} pool.
 *
 * @param key          unique per {@code train} invocation
 * @param spec         {@code RunSpec.toJson()} as text
 * @param architecture the experiment's architecture record as JSON text
 * @param optimizer    whether replicas take optimizer steps (parameter averaging) or only compute gradients, in
 *                     which case they hold no AdamW state
 */
record ReplicaJob(String key, String spec, String architecture, boolean optimizer) implements Serializable {
}
