/** Symile-M3 (paper §5.2): audio, image and text features, the text encoder's inputs, and image retrieval. */
package org.symile.app.experiments.m3;
