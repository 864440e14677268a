/**
 * {@code symile bench}: timings (median, spread, peak extra memory) of the loss, scoring and data-reading code.
 */
package org.symile.app.bench;
