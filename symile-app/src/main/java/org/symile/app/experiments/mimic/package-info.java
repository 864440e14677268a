/** Symile-MIMIC (paper §5.3): chest X-ray and ECG ResNets, the labs MLP, and CXR retrieval among candidates. */
package org.symile.app.experiments.mimic;
