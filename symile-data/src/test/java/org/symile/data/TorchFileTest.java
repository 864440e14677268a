package org.symile.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class TorchFileTest {

    @ParameterizedTest
    @ValueSource(strings = {"tensor.pt", "transposed.pt", "sliced.pt"})
    void readsSingleTensorsWithOffsetsAndStrides(String file) {
        try (TorchFile f = TorchFile.open(Fixtures.path(file))) {
            NpyFileTest.assertValues(Fixtures.expected().get(file), f.tensor().read(), file);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"state_dict.pt", "nested.pt", "module_state_dict.pt"})
    void readsDictsOfTensorsOfEveryDtype(String file) {
        JsonNode expected = Fixtures.expected().get(file);
        try (TorchFile f = TorchFile.open(Fixtures.path(file))) {
            Map<String, TensorSource> tensors = f.tensors();
            assertEquals(expected.size(), tensors.size(), tensors.keySet().toString());
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                TensorSource t = tensors.get(k);
                INDArray v = t.shape().length == 0 ? t.read().reshape(new long[0]) : t.read();
                NpyFileTest.assertValues(expected.get(k), v, file + ":" + k);
            }
            if (file.equals("state_dict.pt")) {
                assertEquals(ElementType.BFLOAT16, tensors.get("w.bf16").elementType());
                assertEquals(ElementType.BOOL, tensors.get("b.bool").elementType());
            }
        }
    }

    @Test
    void readsRowRangesOfAView() {
        try (TorchFile f = TorchFile.open(Fixtures.path("transposed.pt"))) {
            TensorSource t = f.tensor();
            INDArray all = t.read();
            assertEquals(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()), t.readRows(1, 3));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"bad_legacy.pt|re-save it with torch>=1.6",
            "bad_evil.pt|is not allowed", "bad_eval.pt|builtins.eval", "bad_not_zip.pt|not a torch.save archive",
            "f32_c.npy|not a torch.save archive"})
    void rejectsLegacyForeignAndMaliciousFiles(String file, String words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchFile.open(Fixtures.path(file)));
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void saysWhatItFoundWhenTheShapeOfTheContentIsWrong() {
        try (TorchFile f = TorchFile.open(Fixtures.path("state_dict.pt"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, f::tensor);
            assertTrue(e.getMessage().contains("expected a single tensor"), e.getMessage());
        }
    }

    /**
     * A checkpoint in the structure upstream's Lightning code writes (make_checkpoint_fixture.py): read as inert
     * data, its hyper-parameters (an AttributeDict) keep their class name and values, paths become strings, the
     * argparse Namespace its attributes, and its tensors resolve; the strict reader refuses the unknown class.
     */
    @Test
    void readsLightningCheckpointsAsInertData() {
        try (TorchFile f = TorchFile.openAny(Fixtures.path("lightning_m3.ckpt"))) {
            Map<?, ?> root = (Map<?, ?>) f.root();
            assertEquals(5L, root.get("epoch"));
            PickledObject hp = (PickledObject) root.get("hyper_parameters");
            assertEquals("lightning.fabric.utilities.data.AttributeDict", hp.className());
            assertEquals("symile_m3", hp.get("experiment"));
            assertEquals(4L, hp.get("d"));
            assertEquals(-6.0, hp.get("logit_scale_init"));
            assertEquals("/data/symile-m3-2", hp.get("data_dir"));
            PickledObject args = (PickledObject) root.get("args");
            assertEquals("argparse.Namespace", args.className());
            assertEquals("symile_m3", args.get("experiment"));
            TensorSource w = (TensorSource) ((Map<?, ?>) root.get("state_dict")).get("text_encoder.fc.weight");
            assertEquals("[4, 16]", java.util.Arrays.toString(w.shape()));
            assertEquals(75, ((Map<?, ?>) root.get("state_dict")).size());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchFile.open(Fixtures.path("lightning_m3.ckpt")));
        assertTrue(e.getMessage().contains("lightning_m3.ckpt"), e.getMessage());
    }

    /** Inert reading never calls anything: a pickle that would run os.system yields a record of the call. */
    @Test
    void inertReadingRecordsCallsInsteadOfMakingThem() {
        try (TorchFile f = TorchFile.openAny(Fixtures.path("bad_evil.pt"))) {
            PickledObject call = (PickledObject) ((Map<?, ?>) f.root()).get("evil");
            assertEquals("posix.system", call.className());
            assertEquals(java.util.List.of("echo pwned"), call.args());
            assertTrue(((Map<?, ?>) f.root()).get("x") instanceof TensorSource);
        }
    }
}
