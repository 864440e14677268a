/**
 * The ND4J backend at start-up: thread counts, native memory, CUDA device checks, stdout filtering.
 */
package org.symile.app.runtime;
