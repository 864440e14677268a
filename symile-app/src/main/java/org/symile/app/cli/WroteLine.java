package org.symile.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The line a command that writes a directory ends with: {@code wrote DIR: curves.png, last.ckpt, metrics.csv, ...}
 * (its entries in name order, directories with a trailing slash, hidden files left out).
 */
final class WroteLine {
    private WroteLine() {
    }

    static String of(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().forEach(f ->
                    names.add(f.getFileName() + (Files.isDirectory(f) ? "/" : "")));
        }
        return "wrote " + dir + ": " + String.join(", ", names);
    }
}
