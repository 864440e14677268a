package org.symile.app;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process and captures its streams. */
public final class CliRunner {
    /** Exit status and captured output of one run. */
    public record Run(int code, String out, String err) {
    }

    private CliRunner() {
    }

    /** The one run directory under {@code root} (fails the test otherwise). */
    public static java.nio.file.Path onlyRun(java.nio.file.Path root) throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(root)) {
            java.util.List<java.nio.file.Path> runs = s.filter(java.nio.file.Files::isDirectory).toList();
            org.junit.jupiter.api.Assertions.assertEquals(1, runs.size(), runs.toString());
            org.junit.jupiter.api.Assertions.assertTrue(runs.get(0).getFileName().toString()
                    .matches("\\d{8}_\\d{6}_\\d{4}"), runs.toString());
            return runs.get(0);
        }
    }

    /** {@code a} followed by {@code b}. */
    public static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SymileCli.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }
}
