package org.symile.app.experiments.m3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.symile.app.NnFixtures.assertClose;
import static org.symile.app.NnFixtures.fixture;
import static org.symile.app.NnFixtures.npy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.StateDicts;
import org.symile.samediff.nn.TextEncoder;

/** A local Hugging Face model directory in the text encoder, against the torch computation (nnfixtures/). */
class HuggingFaceTextTest {

    @Test
    void textEncoderMatchesTheTorchComputationOfAHuggingFaceLayer(@TempDir Path model) throws Exception {
        // a local HF model directory: config.json + model.safetensors
        Files.copy(fixture("bert_config.json"), model.resolve("config.json"));
        Files.copy(fixture("bert_layer.safetensors"), model.resolve("model.safetensors"));
        Path dir = HuggingFaceText.directory(model.toString());
        TextEncoder.Config c = HuggingFaceText.textConfig(dir);
        assertTrue(c.xlmRoberta());
        assertEquals(1, c.padTokenId());
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT32, -1, -1);
        SDVariable pos = sd.placeHolder("pos", DataType.INT32, -1, -1);
        SDVariable mask = sd.placeHolder("mask", DataType.DOUBLE, -1, -1);
        TextEncoder enc = new TextEncoder(sd, "text", c, ids, pos, mask, new SplittableRandom(0), DataType.DOUBLE);
        HuggingFaceText.loadTextEncoder(enc, StateDicts.read(HuggingFaceText.weightsFile(dir)), dir.toString());
        int[][] idv = npy("bert_ids.npy").toIntMatrix();
        INDArray out = sd.output(Map.of("ids", Nd4j.createFromArray(idv), "pos",
                Nd4j.createFromArray(TextEncoder.positionIds(idv, c)), "mask", npy("bert_mask.npy")),
                enc.output().name()).get(enc.output().name());
        assertClose(npy("bert_out.npy"), out, 1e-5, "encoder layer 0 output");
    }

    @Test
    void aModelNotFoundLocallyNamesWhereItWasLookedFor() {
        IllegalArgumentException hf = assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceText.directory("nobody/no-such-model"));
        assertTrue(hf.getMessage().contains("models--nobody--no-such-model")
                && hf.getMessage().startsWith("--text_model_id nobody/no-such-model"), hf.getMessage());
    }
}
