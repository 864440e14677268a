package org.symile.app.run;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a training run wrote its files and the metrics a sweep can optimise: {@code val_loss} (lowest over the
 * validations), {@code val_acc} (highest), and for binary_xor {@code test_acc}; binary_xor averages each over its
 * p̂ values.
 */
public record RunOutcome(Path runDir, Map<String, Double> metrics) {
}
