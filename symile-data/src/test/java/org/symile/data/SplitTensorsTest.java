package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class SplitTensorsTest {

    static Path layout(Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("train"));
        NpyFile.write(dir.resolve("audio_train.npy"), Nd4j.rand(DataType.FLOAT, 5, 3));
        NpyFile.write(dir.resolve("ids_train.npy"), Nd4j.createFromArray(new float[][] {{0, 4}, {1, 2}, {3, 3},
                {9, 9}, {7, 1}}));
        NpyFile.write(dir.resolve("short_train.npy"), Nd4j.rand(DataType.FLOAT, 4, 3));
        NpyFile.write(dir.resolve("labels_train.npy"), Nd4j.createFromArray(1L, 2L, 3L, 4L, 5L));
        Files.copy(Fixtures.path("tensor.pt"), dir.resolve("torch_train.pt"));
        Files.writeString(dir.resolve("lang_train.txt"), "en\nel\nen\nen\nel\n");
        return root;
    }

    @Test
    void findsBothFormatsAndChecksShapesKindsAndRows(@TempDir Path root) throws Exception {
        try (SplitTensors s = SplitTensors.open(layout(root), "train")) {
            assertEquals(List.of("audio", "ids", "labels", "short", "torch"), s.names());
            assertArrayEquals(new long[] {5, 3}, s.require("audio", SplitTensors.Kind.FLOAT, 3).shape());
            s.require("ids", SplitTensors.Kind.INTEGER_LIKE, 2);
            s.require("labels", SplitTensors.Kind.INTEGER_LIKE);
            assertEquals(5, s.rows());
            assertEquals(List.of("en", "el", "en", "en", "el"), s.textLines("lang"));
            assertEquals(3, s.tensor("torch").rows());

            IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                    () -> s.require("short", SplitTensors.Kind.FLOAT, 3));
            assertTrue(rows.getMessage().contains("short_train.npy") && rows.getMessage().contains("4 rows"),
                    rows.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> s.require("audio", SplitTensors.Kind.FLOAT, 4));
            assertTrue(shape.getMessage().contains("audio_train.npy") && shape.getMessage().contains("[n, 4]"),
                    shape.getMessage());
            IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                    () -> s.require("labels", SplitTensors.Kind.FLOAT));
            assertTrue(kind.getMessage().contains("labels_train.npy") && kind.getMessage().contains("int64"),
                    kind.getMessage());
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> s.require("image", SplitTensors.Kind.FLOAT, 3));
            assertTrue(missing.getMessage().contains("image_train.npy"), missing.getMessage());
        }
        IllegalArgumentException noSplit = assertThrows(IllegalArgumentException.class,
                () -> SplitTensors.open(root, "val"));
        assertTrue(noSplit.getMessage().contains("val"), noSplit.getMessage());
    }

    @Test
    void textFileRowCountMustMatch(@TempDir Path root) throws Exception {
        layout(root);
        Files.writeString(root.resolve("train/lang_train.txt"), "en\nel\n");
        try (SplitTensors s = SplitTensors.open(root, "train")) {
            s.require("audio", SplitTensors.Kind.FLOAT, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.textLines("lang"));
            assertTrue(e.getMessage().contains("lang_train.txt") && e.getMessage().contains("2 lines"), e.getMessage());
        }
    }
}
