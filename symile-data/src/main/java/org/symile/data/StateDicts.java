package org.symile.data;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pretrained weight files as name -> tensor maps: torch.save state dicts ({@code .pth}, {@code .bin}, read by
 * {@link TorchFile}) and Hugging Face {@code .safetensors} files ({@link SafetensorsFile}), chosen by extension.
 */
public final class StateDicts {
    private StateDicts() {
    }

    /**
     * Reads every tensor of the file, in the file's order.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read as a state dict
     */
    public static Map<String, INDArray> read(Path file) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        if (file.toString().endsWith(".safetensors")) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                f.tensors().forEach((k, t) -> out.put(k, t.read()));
            }
        } else {
            try (TorchFile f = TorchFile.open(file)) {
                f.tensors().forEach((k, t) -> out.put(k, t.read()));
            }
        }
        return out;
    }
}
