/**
 * Hyperparameter sweeps: search-space files, arbiter-core candidate generators, trials as ordinary runs, reports.
 */
package org.symile.app.sweep;
