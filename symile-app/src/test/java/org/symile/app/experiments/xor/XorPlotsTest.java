package org.symile.app.experiments.xor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.spec.LossFn;

class XorPlotsTest {

    /** With bootstrap draws the figure shows each p̂'s mean with error bars; it renders as an 800 x 560 PNG. */
    @Test
    void accuracyWithDrawsRendersMeansAndErrorBars(@TempDir Path dir) throws Exception {
        List<XorSweep.Row> rows = new ArrayList<>();
        for (double p : new double[] {0.0, 0.5, 1.0}) {
            for (double a : new double[] {0.2 + p / 2, 0.3 + p / 2, 0.25 + p / 2}) {
                rows.add(new XorSweep.Row(p, LossFn.SYMILE, a));
            }
        }
        Path png = dir.resolve("acc.png");
        XorPlots.accuracy(png, 5, LossFn.SYMILE, rows);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(560, img.getHeight());
    }
}
