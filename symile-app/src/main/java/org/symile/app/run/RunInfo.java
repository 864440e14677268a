package org.symile.app.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code run_info.json} of one run (upstream §5.6, §6.6): the validations so far and the run's arguments, plus the
 * seed (so an unseeded run can be repeated) and, for a binary_xor p̂, its test accuracies.
 *
 * @param wandb always null here (upstream: the Weights &amp; Biases run URL)
 */
public record RunInfo(List<CheckpointMeta.Validation> validationMetrics, JsonNode args,
                      @JsonInclude(JsonInclude.Include.ALWAYS) String wandb, long seed, String part,
                      List<Double> testAcc) {
}
