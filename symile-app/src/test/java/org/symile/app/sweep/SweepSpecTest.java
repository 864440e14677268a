package org.symile.app.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.symile.app.CliRunner;

class SweepSpecTest {

    /** A broken file in hyperparams/ fails the build. */
    @Test
    void everyShippedSpaceFileParses() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("..", "hyperparams"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(4, files.size(), files.toString());
        for (Path f : files) {
            SweepSpec spec = SweepSpec.read(f);
            assertEquals(f.getFileName().toString(), spec.experiment() + ".yaml");
            assertFalse(spec.parameters().isEmpty());
            assertTrue(SweepSpace.of(spec).numParameters() >= spec.parameters().size());
        }
    }

    @Test
    void gridOverTheShippedXorSpaceHasTwelveCandidates() throws IOException {
        SweepSpec spec = SweepSpec.read(Path.of("..", "hyperparams", "binary_xor.yaml"));
        Sweep sweep = new Sweep(spec, "", Path.of("unused"), List.of());
        var c = sweep.candidates();
        assertEquals(12, c.size());
        assertEquals(0.01, ((Number) c.get(0).get("lr")).doubleValue(), 1e-12);
        assertEquals(0.3, c.stream().mapToDouble(m -> ((Number) m.get("lr")).doubleValue()).max().orElseThrow(),
                1e-9);
        assertEquals(3, c.stream().map(m -> m.get("lr")).distinct().count());
        assertTrue(c.stream().anyMatch(m -> m.get("negative_sampling").equals("n_squared")));
    }

    /** A space may list loss_fn values: the shipped comparison of the four objectives. */
    @Test
    void theObjectivesSpaceHasOneCandidatePerObjective() throws IOException {
        SweepSpec spec = SweepSpec.read(Path.of("..", "hyperparams", "objectives", "binary_xor.yaml"));
        var c = new Sweep(spec, "", Path.of("unused"), List.of()).candidates();
        assertEquals(List.of("symile", "clip", "gram", "triangle"), c.stream().map(m -> m.get("loss_fn")).toList());
    }

    @Test
    void randomSearchIsSeeded() {
        String text = "experiment: binary_xor\nsearch: random\ncandidates: 5\nseed: 7\nparameters:\n"
                + "  lr: {type: continuous, min: 0.001, max: 0.1, log: true}\n  d: {type: integer, min: 4, max: 32}\n";
        SweepSpec spec = SweepSpec.parse("mem.yaml", text);
        var a = new Sweep(spec, text, Path.of("x"), List.of()).candidates();
        var b = new Sweep(spec, text, Path.of("x"), List.of()).candidates();
        assertEquals(a, b);
        assertEquals(5, a.size());
        for (var m : a) {
            double lr = ((Number) m.get("lr")).doubleValue();
            int d = ((Number) m.get("d")).intValue();
            assertTrue(lr >= 0.001 && lr <= 0.1 && d >= 4 && d <= 32, m.toString());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "experiment: binary_xor\\nflavour: 1\\nparameters: {lr: {type: discrete, values: [0.1]}}|'flavour'",
            "experiment: binary_xor\\nparameters: {lr: {type: continuous, min: 0.5, max: 0.1}}|min 0.5 > max 0.1",
            "experiment: binary_xor\\nparameters: {d: {type: discrete, values: []}}|parameters.d.values",
            "experiment: binary_xor\\nparameters: {lr: {type: continuous, min: a, max: 1}}|parameters.lr.min",
            "experiment: binary_xor\\nparameters: {lr: {type: uniform, min: 0, max: 1}}|parameters.lr.type",
            "experiment: binary_xor\\nparameters: {lr: {type: discrete, values: [0.1]}}\\nfixed: {no_such_flag: 3}|fixed.no_such_flag",
            "experiment: binary_xor\\nparameters: {learning_rate: {type: discrete, values: [0.1]}}|parameters.learning_rate",
            "experiment: binary_xor\\nparameters: {lr: {type: discrete, values: [0.1]}}\\nfixed: {epochs: many}|--epochs",
            "experiment: binary_xor\\ngrid_points: two\\nparameters: {lr: {type: discrete, values: [0.1]}}|grid_points",
            "experiment: binary_xor\\nobjective: test_acc\\nparameters: {lr: {type: discrete, values: [0.1]}}|test set",
            "experiment: binary_xor\\nparameters: {lr: {type: discrete, values: [0.1]}}\\nfixed: {limit_train_batches: 1.5}|--limit_train_batches",
            "experiment: binary_xor\\nparameters: {lr: {type: discrete, values: [-0.1]}}|parameters.lr",
            "experiment: symile_m3\\nparameters: {lr: {type: discrete, values: [0.1]}}\\nfixed: {d_v: 3}|--d_v",
            "experiment: nope\\nparameters: {lr: {type: discrete, values: [0.1]}}|'experiment'",
            "experiment: binary_xor\\nparameters: [lr]|'parameters'"})
    void badFilesAreRejectedNamingFileAndKey(String text, String words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SweepSpec.parse("space.yaml", text.replace("\\n", "\n")));
        assertTrue(e.getMessage().contains("space.yaml") && e.getMessage().contains(words.replace("'", "")),
                e.getMessage());
    }

    @Test
    void badSpaceFileExitsWith2AndRunsNothing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "experiment: binary_xor\nparameters:\n  lr: {type: continuous, min: 1, max: 0}\n");
        Path out = dir.resolve("out");
        CliRunner.Run r = CliRunner.run("sweep", "--experiment", "binary_xor", "--space", file.toString(), "--out",
                out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad.yaml") && r.err().contains("parameters.lr"), r.err());
        assertFalse(Files.exists(out), "nothing is run");
    }

    @Test
    void gridValuesAreRoundedTo12SignificantDigits() {
        assertEquals(0.01, SweepSpace.tidy(0.010000000000000004));
        assertEquals(0.3, SweepSpace.tidy(0.30000000000000004));
        assertEquals(0.05477225575051663, (double) SweepSpace.tidy(0.05477225575051663), 1e-13);
        assertEquals(16, SweepSpace.tidy(16));
        assertEquals("n_squared", SweepSpace.tidy("n_squared"));
        assertEquals(0.0, SweepSpace.tidy(0.0));
    }
}
