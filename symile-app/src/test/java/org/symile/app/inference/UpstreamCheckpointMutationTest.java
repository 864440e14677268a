package org.symile.app.inference;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation test of loading upstream's Lightning checkpoints as models ({@link TrainedModel#load}, the path
 * behind {@code test} and {@code embed}): truncations and byte flips of the fixture either load or are refused with
 * one IllegalArgumentException naming the file; never another exception, "null" as the explanation, or a hang.
 */
class UpstreamCheckpointMutationTest {

    @Test
    void damagedUpstreamCheckpointsAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        byte[] original = Files.readAllBytes(TrainedModelTest.FIXTURES.resolve("lightning_m3.ckpt"));
        List<String> failures = new ArrayList<>();
        int[] refused = {0};
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            SplittableRandom rng = new SplittableRandom(5);
            for (int k = 0; k < 120; k++) {
                byte[] m = original.clone();
                if (k % 2 == 0) {
                    m = Arrays.copyOf(original, rng.nextInt(original.length));
                } else {
                    for (int i = 0; i < 1 + rng.nextInt(4); i++) {
                        m[rng.nextInt(m.length)] = (byte) rng.nextInt(256);
                    }
                }
                Path f = dir.resolve("m" + k + ".ckpt");
                Files.write(f, m);
                try (TrainedModel model = TrainedModel.load(f)) {
                    model.logitScale();
                } catch (IllegalArgumentException e) {
                    refused[0]++;
                    if (e.getMessage() == null || !e.getMessage().contains(f.toString())
                            || e.getMessage().contains(": null")) {
                        failures.add(f.getFileName() + ": " + e.getMessage());
                    }
                } catch (Throwable e) {
                    failures.add(f.getFileName() + ": " + e);
                }
            }
        });
        assertTrue(failures.isEmpty(), failures.size() + " mishandled:\n" + String.join("\n", failures));
        assertTrue(refused[0] >= 60, "refused " + refused[0] + " of 120");
    }
}
