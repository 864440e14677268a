/**
 * The {@code symile} command-line application: {@link org.symile.app.SymileCli} dispatches to the commands and
 * turns failures into one-line messages and exit statuses. The only module that chooses the ND4J backend and logging.
 */
package org.symile.app;
