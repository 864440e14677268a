package org.symile.app.spec;

import java.nio.file.Path;

/**
 * symile_mimic settings (upstream §6): {@code --d}, {@code --pretrained} (torchvision ImageNet weights from
 * {@code --pretrained_dir}) and the ResNets' {@code --resnet_base_width} (64 as torchvision; an extension for fast
 * CPU demos and tests).
 */
public record MimicSpec(int d, boolean pretrained, Path pretrainedDir, int resnetBaseWidth) implements ExperimentSpec {

    /** torchvision's first-stage width. */
    public static final int TORCHVISION_WIDTH = 64;

    /** @throws IllegalArgumentException naming the flag whose value does not fit */
    public MimicSpec {
        TrainerSpec.positive("--d", d);
        TrainerSpec.positive("--resnet_base_width", resnetBaseWidth);
        if (pretrained && resnetBaseWidth != TORCHVISION_WIDTH) {
            throw new IllegalArgumentException("--resnet_base_width " + resnetBaseWidth + ": torchvision's pretrained"
                    + " weights need " + TORCHVISION_WIDTH + " with --pretrained True");
        }
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.SYMILE_MIMIC;
    }
}
