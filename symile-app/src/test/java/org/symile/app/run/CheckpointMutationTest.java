package org.symile.app.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.Mutants;

/**
 * Seeded mutation test of this project's checkpoint reader ({@code --ckpt_path} of test and resume): damaged
 * checkpoints (byte flips anywhere, in the arrays' headers, truncations) are either read or refused with an
 * IllegalArgumentException naming the file; never another exception, a JVM abort or a huge allocation.
 */
class CheckpointMutationTest {

    @Test
    void damagedCheckpointsAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.ckpt");
        Nd4j.getRandom().setSeed(3);
        new Checkpoint(CheckpointTest.meta(1), Map.of("w", Nd4j.rand(DataType.FLOAT, 6, 5), "i",
                Nd4j.createFromArray(1L, 2L, 3L)), Map.of("m/w", Nd4j.ones(DataType.FLOAT, 6, 5))).write(good);
        byte[] original = Files.readAllBytes(good);
        int refused = Mutants.check(dir, ".ckpt", original, 300, 11, Duration.ofSeconds(120), (k, rng) -> {
            if (k % 3 == 1) {
                byte[] m = original.clone();
                int at = find(original, "var/".getBytes(), rng.nextInt(original.length / 2));
                for (int i = 0; i < 1 + rng.nextInt(3); i++) {
                    m[Math.min(m.length - 1, at + 4 + rng.nextInt(60))] = (byte) rng.nextInt(256);
                }
                return m;
            }
            return Mutants.truncateOrFlip(original, k % 3 == 0, rng);
        }, Checkpoint::read);
        assertTrue(refused > 150, "refused " + refused + " of 300");
    }

    private static int find(byte[] b, byte[] sig, int from) {
        for (int i = Math.max(0, from); i + sig.length <= b.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(b, i, i + sig.length), sig)) {
                return i;
            }
        }
        return find(b, sig, 0);
    }
}
