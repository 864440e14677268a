package org.symile.app.run;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.symile.data.io.AtomicFiles;

/** PNG line charts (XChart), written atomically. */
public final class Charts {

    /**
     * One series: a name, x and y values, whether to draw it as a line (else markers only), and optional error bars
     * (half-widths, one per point; null: none).
     */
    public record Series(String name, List<Double> x, List<Double> y, boolean line, List<Double> errors) {
        public Series(String name, List<Double> x, List<Double> y, boolean line) {
            this(name, x, y, line, null);
        }
    }

    /**
     * How the axes are drawn: x range (null: from the data), x tick label pattern (e.g. "0.0"), a logarithmic x
     * axis, the y tick label pattern, and where the legend goes (inside the plot, over the corner the data leave
     * empty).
     */
    public record Axes(Double xMin, Double xMax, String xPattern, boolean xLog, String yPattern,
                       Styler.LegendPosition legend) {
        /** p̂ from 0 to 1 in steps of 0.1, accuracies with one decimal, the legend top left. */
        public static final Axes P_HAT = new Axes(0.0, 1.0, "0.0", false, "0.0", Styler.LegendPosition.InsideNW);
        /** Training steps from 0 (round tick values), values with two decimals, the legend top right (losses fall). */
        public static final Axes STEPS = new Axes(0.0, null, "#,##0", false, "0.00", Styler.LegendPosition.InsideNE);
        /** Whatever the data give, the legend top right. */
        public static final Axes DEFAULT = new Axes(null, null, null, false, null, Styler.LegendPosition.InsideNE);

        /** The same axes with a logarithmic x axis (values spanning decades, such as learning rates). */
        public Axes withLogX() {
            return new Axes(xMin, xMax, null, true, yPattern, legend);
        }
    }

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** Writes a chart of the given series to {@code file} (PNG), axes as the data give them. */
    public static void line(Path file, String title, String xLabel, String yLabel, List<Series> series) {
        line(file, title, xLabel, yLabel, series, Axes.DEFAULT);
    }

    /** Writes a chart of the given series to {@code file} (PNG) with the given axes. */
    public static void line(Path file, String title, String xLabel, String yLabel, List<Series> series, Axes axes) {
        XYChart chart = new XYChartBuilder().width(800).height(560).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        XYStyler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setLegendVisible(true);
        st.setLegendPosition(axes.legend());
        st.setXAxisMin(axes.xMin());
        st.setXAxisMax(axes.xMax());
        st.setXAxisLogarithmic(axes.xLog());
        if (axes.xPattern() != null) {
            st.setXAxisDecimalPattern(axes.xPattern());
        }
        if (axes.yPattern() != null) {
            st.setYAxisDecimalPattern(axes.yPattern());
        }
        for (Series s : series) {
            XYSeries xy = s.errors() == null ? chart.addSeries(s.name(), s.x(), s.y())
                    : chart.addSeries(s.name(), s.x(), s.y(), s.errors());
            if (s.line()) {
                xy.setMarker(SeriesMarkers.NONE);
            } else {
                xy.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            }
        }
        try {
            byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
            AtomicFiles.write(file, out -> out.write(png));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + file + ": " + e.getMessage(), e);
        }
    }
}
