package org.symile.app;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.symile.samediff.SameDiffConsole;

/**
 * Registered for every test class of this module (junit-platform.properties, META-INF/services): drops SameDiff's
 * per-op "Added differentiated op" lines from the test log, so that it shows test results and real warnings.
 */
public final class QuietConsoleExtension implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        System.setOut(SameDiffConsole.withoutGradientChatter(System.out));
    }
}
