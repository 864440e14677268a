/**
 * PNG line charts of results and sweeps.
 */
package org.symile.app.plot;
