package org.symile.app.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.Mutants;

/**
 * Seeded mutation test of loading upstream's Lightning checkpoints as models ({@link TrainedModel#load}, the path
 * behind {@code test} and {@code embed}): truncations and byte flips of the fixture either load or are refused with
 * one IllegalArgumentException naming the file; never another exception, "null" as the explanation, or a hang.
 */
class UpstreamCheckpointMutationTest {

    @Test
    void damagedUpstreamCheckpointsAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        byte[] original = Files.readAllBytes(TrainedModelTest.FIXTURES.resolve("lightning_m3.ckpt"));
        int refused = Mutants.check(dir, ".ckpt", original, 120, 5, Duration.ofSeconds(180),
                (k, rng) -> Mutants.truncateOrFlip(original, k % 2 == 0, rng), f -> {
                    try (TrainedModel model = TrainedModel.load(f)) {
                        model.logitScale();
                    }
                });
        assertTrue(refused >= 60, "refused " + refused + " of 120");
    }
}
