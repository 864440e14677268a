package org.symile.app;

import picocli.CommandLine;

/** Version shown by {@code --version}: the project version and the DL4J release it runs on. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = SymileCli.class.getPackage().getImplementationVersion();
        return new String[] {"symile " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Deeplearning4j 1.0.0-M2.1)"};
    }
}
