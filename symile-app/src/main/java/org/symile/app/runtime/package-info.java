/**
 * The ND4J backend at start-up: which libnd4j build loads ({@link org.symile.app.runtime.NativeBuild}), thread
 * counts and the start-up log line ({@link org.symile.app.runtime.Backend}), CUDA device checks
 * ({@link org.symile.app.runtime.CudaDevice}). SameDiff's stdout noise is filtered by
 * {@link org.symile.samediff.SameDiffConsole}, which the command installs first. Memory is
 * {@code org.symile.app.memory}'s.
 */
package org.symile.app.runtime;
