package org.symile.app.experiments.mimic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.symile.data.StateDicts;
import org.symile.samediff.dl4j.TorchvisionResNet;

/**
 * torchvision's ImageNet weights for {@code --pretrained True} ({@code .pth} state dicts from a local directory,
 * never the network: torch hub's cache or {@code --pretrained_dir}), copied into the DL4J ResNets.
 */
final class TorchvisionWeights {
    /** torchvision's file names for the weights upstream uses. */
    static final String RESNET50_V2 = "resnet50-11ad3fa6.pth";
    static final String RESNET18_V1 = "resnet18-f37072fd.pth";

    private TorchvisionWeights() {
    }

    /**
     * Copies a torchvision state dict into the layers of {@code net} in {@code graph} (named {@code prefix} +
     * torchvision's module names); names in {@code skip} (e.g. a replaced conv1) keep their values.
     */
    static void loadResNet(ComputationGraph graph, TorchvisionResNet net, String prefix, Path pth, Set<String> skip) {
        net.load(graph, prefix, StateDicts.read(pth), skip, pth.toString());
    }

    /**
     * The torchvision checkpoint {@code name} in {@code dir} (default: torch hub's cache).
     *
     * @throws IllegalArgumentException naming the expected file when it is missing
     */
    static Path file(Path dir, String name) {
        Path d = dir != null ? dir : Path.of(System.getProperty("user.home"), ".cache", "torch", "hub", "checkpoints");
        Path f = d.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("--pretrained True: missing " + f + "; place torchvision's "
                    + RESNET50_V2 + " (ResNet-50 IMAGENET1K_V2) and " + RESNET18_V1 + " (ResNet-18 IMAGENET1K_V1) in "
                    + d + " or pass --pretrained_dir");
        }
        return f;
    }
}
