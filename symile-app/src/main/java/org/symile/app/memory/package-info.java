/**
 * Native memory: how much a training step may take, and how the process keeps what it holds bounded.
 *
 * <h2>Why was my batch refused?</h2>
 * Before the first step, a model that can estimate its step ({@code TrainableModel.stepMemory()}: Symile-MIMIC's
 * DL4J network) is checked by {@link org.symile.app.memory.StepMemory#requireFits}: the process's resident memory
 * now, plus the estimate {@link org.symile.app.memory.StepMemory#ofTraining} for {@code --batch_sz_train} rows B
 * encoded {@code --micro_batch_sz} rows N at a time, must not exceed the {@link org.symile.app.memory.MemoryBudget}.
 * With A the activations the backward pass keeps per row, the estimate is
 * <pre>
 *   plain step:   gradient vector (until the first step allocates it)
 *                 + B · A · {@value org.symile.app.memory.StepMemory#ACTIVATION_OVERHEAD}
 *                 + B² · {@value org.symile.app.memory.StepMemory#N_SQUARED_PRODUCTS} · d · (element width)   (Symile, n_squared only)
 *   cached step:  gradient vector + 2 parameter vectors + N · A · {@value org.symile.app.memory.StepMemory#ACTIVATION_OVERHEAD}
 *                 + B · (4M + 3) · d · (element width) + 3 · B² · (element width)
 * </pre>
 * (the factor covers activation gradients, oneDNN's scratch buffers and the allocator's slack; measured on
 * full-size Symile-MIMIC steps; a cached step holds the batch's representations, their gradients and the eager
 * loss's scratch instead of the [B², d] products). The budget is the smallest of the memory the system can still
 * hand out plus what the process holds, the cgroup's limit, JavaCPP's
 * {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes} and {@code -Dsymile.memory_limit_mb=N}. A refusal (exit 2,
 * nothing written) names the estimate, the budget and where it came from, the largest batch that fits and the
 * largest {@code --micro_batch_sz} with which the batch itself fits (or, micro-batched already, the largest
 * micro-batch that does). To go on: that {@code --micro_batch_sz} (the same negatives, a second forward pass), a
 * smaller {@code --batch_sz_train}, a machine (or cgroup) with more memory, or, if the estimate errs for your
 * network, {@code -Dsymile.memory_limit_mb} set higher in {@code SYMILE_JAVA_OPTS}.
 *
 * <h2>Keeping a run's memory bounded</h2>
 * ND4J allocates outside the Java heap and frees only when arrays are closed or collected, so the rest of this
 * package manages that memory: {@link org.symile.app.memory.WorkspaceMemory} (a SameDiff step's intermediates in one
 * reused workspace, for small graphs), {@link org.symile.app.memory.ReleasingMemory} (each intermediate freed as soon
 * as backprop no longer needs it and its buffer reused, for large ones), {@link org.symile.app.memory.NativeMemoryGuard}
 * (a garbage collection when the resident set grew by more than {@code -Dsymile.gc_threshold_mb}),
 * {@link org.symile.app.memory.NativeAllocator} (glibc's malloc tuned to keep freed buffers, JavaCPP's per-pointer
 * accounting off) and {@link org.symile.app.memory.FreeMemoryRelease} (malloc's free memory handed back after
 * passes that used a large share of the budget).
 */
package org.symile.app.memory;
