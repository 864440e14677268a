package org.symile.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;

/**
 * Seeded mutation test of the file readers behind {@code inspect}: .npy files, torch.save archives and a
 * Lightning-style checkpoint with random byte flips, truncations and edits of the zip directory, the local
 * headers and the .npy header. Every mutant must either be read (exit 0) or refused with exit status 2 and one
 * message naming the file; never exit 1, a message without the file, "null", or a hang.
 */
class InspectMutationTest {
    private static final Path FIXTURES = Path.of("").toAbsolutePath().getParent()
            .resolve("symile-data/src/test/resources/fixtures");
    private static final int MUTANTS_PER_FILE = 100;

    @Test
    void damagedFilesAreRefusedWithExitTwoAndTheFileName(@TempDir Path dir) {
        List<String> failures = new ArrayList<>();
        int[] outcomes = new int[3];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (String base : List.of("f32_c.npy", "f32_3d_fortran.npy", "module_state_dict.pt", "nested.pt",
                    "lightning_m3.ckpt")) {
                byte[] original = Files.readAllBytes(FIXTURES.resolve(base));
                assertEquals(0, CliRunner.run("inspect", FIXTURES.resolve(base).toString()).code(), base);
                SplittableRandom rng = new SplittableRandom(base.hashCode());
                for (int k = 0; k < MUTANTS_PER_FILE; k++) {
                    String kind = kinds(base)[k % kinds(base).length];
                    byte[] m = mutate(original, kind, rng);
                    Path f = dir.resolve(k + "_" + kind + "_" + base);
                    Files.write(f, m);
                    CliRunner.Run r = CliRunner.run("inspect", f.toString());
                    outcomes[Math.min(r.code(), 2)]++;
                    String err = r.err().strip();
                    boolean ok = r.code() == 0 || (r.code() == 2 && err.contains(f.toString())
                            && !err.contains("null") && !err.contains("error:") && err.lines().count() == 1);
                    if (!ok) {
                        failures.add(f.getFileName() + ": exit " + r.code() + ": " + err);
                    }
                }
            }
        });
        assertTrue(failures.isEmpty(), failures.size() + " mutants mishandled:\n" + String.join("\n", failures));
        // the mutations must actually break files, or the test proves nothing
        assertTrue(outcomes[2] > 2 * MUTANTS_PER_FILE, "refused mutants: " + Arrays.toString(outcomes));
        assertEquals(0, outcomes[1]);
    }

    @Test
    void anExtensionDoesNotDecideTheFormat(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("model.bin");
        Files.copy(FIXTURES.resolve("lightning_m3.ckpt"), ckpt);
        CliRunner.Run r = CliRunner.run("inspect", "--json", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"format\" : \"torch.save checkpoint\""), r.out());
        assertTrue(r.out().contains("\"data_dir\" : \"/data/symile-m3-2\""), r.out());
        assertTrue(r.out().contains("\"text_encoder.fc.weight\" : \"float32 [4, 16]\""), r.out());
        assertTrue(r.out().contains("lightning.fabric.utilities.data.AttributeDict"), r.out());
        Path text = dir.resolve("notes.pt");
        Files.writeString(text, "hello");
        CliRunner.Run t = CliRunner.run("inspect", text.toString());
        assertEquals(2, t.code());
        assertTrue(t.err().contains(text.toString()) && t.err().contains("zip"), t.err());
        assertFalse(t.err().contains("expected a .npy or .pt file"));
    }

    private static String[] kinds(String base) {
        return base.endsWith(".npy") ? new String[] {"flip", "truncate", "header"}
                : new String[] {"flip", "truncate", "directory", "local", "directory"};
    }

    /** One mutant of {@code b}. */
    private static byte[] mutate(byte[] b, String kind, SplittableRandom rng) {
        byte[] m = b.clone();
        switch (kind) {
            case "truncate" -> {
                return Arrays.copyOf(b, rng.nextInt(b.length));
            }
            case "header" -> scribble(m, 0, Math.min(128, m.length), rng);
            case "directory" -> scribble(m, find(b, new byte[] {'P', 'K', 1, 2}, 0), m.length, rng);
            case "local" -> {
                int at = find(b, new byte[] {'P', 'K', 3, 4}, rng.nextInt(b.length / 2));
                scribble(m, at, Math.min(m.length, at + 30), rng);
            }
            default -> scribble(m, 0, m.length, rng);
        }
        return m;
    }

    /** 1–4 random bytes set at random places in [from, to). */
    private static void scribble(byte[] m, int from, int to, SplittableRandom rng) {
        int n = 1 + rng.nextInt(4);
        for (int i = 0; i < n; i++) {
            m[from + rng.nextInt(Math.max(1, to - from))] = (byte) rng.nextInt(256);
        }
    }

    private static int find(byte[] b, byte[] sig, int from) {
        for (int i = Math.max(0, from); i + sig.length <= b.length; i++) {
            if (b[i] == sig[0] && b[i + 1] == sig[1] && b[i + 2] == sig[2] && b[i + 3] == sig[3]) {
                return i;
            }
        }
        return 0;
    }
}
