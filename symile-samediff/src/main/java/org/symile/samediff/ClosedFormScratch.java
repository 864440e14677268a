package org.symile.samediff;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Arrays the closed-form losses reuse from step to step: a fresh 0.5 MiB array costs an mmap, page faults and a
 * memset, and a loss step needs a dozen of them (allocation was ~18% of a B 256, d 512 step). Held outside any
 * workspace, so that a step run inside one does not invalidate them; reallocated when the shape changes.
 */
final class ClosedFormScratch {
    private final int squares;
    private final int matrices;
    private DataType dtype;
    private long rows = -1;
    private long width = -1;
    private INDArray[] square;
    private INDArray[] matrix;

    /**
     * @param squares  how many [B, B] arrays
     * @param matrices how many [B, d] arrays
     */
    ClosedFormScratch(int squares, int matrices) {
        this.squares = squares;
        this.matrices = matrices;
    }

    /** Makes sure the arrays fit B rows of width d in the given type. */
    void fit(DataType dt, long b, long d) {
        if (dt == dtype && b == rows && d == width) {
            return;
        }
        release();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            square = new INDArray[squares];
            matrix = new INDArray[matrices];
            for (int i = 0; i < squares; i++) {
                square[i] = Nd4j.createUninitialized(dt, b, b);
            }
            for (int i = 0; i < matrices; i++) {
                matrix[i] = Nd4j.createUninitialized(dt, b, d);
            }
        }
        dtype = dt;
        rows = b;
        width = d;
    }

    /** [B, B] array i. */
    INDArray square(int i) {
        return square[i];
    }

    /** [B, d] array i. */
    INDArray matrix(int i) {
        return matrix[i];
    }

    private void release() {
        if (square != null) {
            Arrays.stream(square).filter(INDArray::closeable).forEach(INDArray::close);
            Arrays.stream(matrix).filter(INDArray::closeable).forEach(INDArray::close);
        }
    }
}
