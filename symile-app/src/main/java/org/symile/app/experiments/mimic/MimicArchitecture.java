package org.symile.app.experiments.mimic;

import java.util.Arrays;
import java.util.Objects;

/**
 * What rebuilds a Symile-MIMIC model besides the spec, recorded in checkpoints: the per-row input shapes
 * ({@code cxr} [3, H, W], {@code ecg} [1, T, 12]), {@code d} and the ResNets' base width.
 */
public record MimicArchitecture(long[] cxrShape, long[] ecgShape, long d, long resnetBaseWidth) {

    public MimicArchitecture {
        cxrShape = cxrShape.clone();
        ecgShape = ecgShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MimicArchitecture a && Arrays.equals(cxrShape, a.cxrShape)
                && Arrays.equals(ecgShape, a.ecgShape) && d == a.d && resnetBaseWidth == a.resnetBaseWidth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(cxrShape), Arrays.hashCode(ecgShape), d, resnetBaseWidth);
    }
}
