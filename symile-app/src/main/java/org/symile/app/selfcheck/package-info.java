/**
 * {@code symile selfcheck}: every reference case recomputed on the active backend in DOUBLE and FLOAT.
 */
package org.symile.app.selfcheck;
