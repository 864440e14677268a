package org.symile.app.selfcheck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.app.spec.LossFn;
import org.symile.samediff.LossEvaluator;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;
import org.symile.samediff.TupleObjectiveLoss;
import org.symile.samediff.ZeroShot;

/**
 * Verifies the active ND4J backend against the reference cases: every loss (and its gradients) and every
 * zero-shot score is recomputed in DOUBLE and FLOAT and compared with the float64 reference values.
 *
 * <p>Tolerances: DOUBLE must agree within 1e-9 absolute; FLOAT within 1e-5 relative to the larger of the value
 * and the largest reference value of the same array (so near-zero entries are not held to an impossible bound).
 */
public final class SelfCheck {
    /** Absolute tolerance in DOUBLE. */
    public static final double DOUBLE_TOL = 1e-9;
    /** Relative tolerance in FLOAT. */
    public static final double FLOAT_TOL = 1e-5;

    /** Extra checks for case kinds that other parts of the app compute (e.g. the XOR information terms). */
    private final List<BiFunction<ReferenceCase, DataType, Row>> extraChecks = new ArrayList<>();

    /** One line of the report; errors are already divided by their tolerance scale. */
    public record Row(String caseName, String variant, DataType dtype, double lossError, double gradError,
                      double scaleGradError, double tolerance) {
        public boolean passed() {
            return lossError <= tolerance && gradError <= tolerance && scaleGradError <= tolerance;
        }
    }

    /** Registers a checker for cases this class does not compute itself; it returns null for cases it ignores. */
    public SelfCheck with(BiFunction<ReferenceCase, DataType, Row> check) {
        extraChecks.add(check);
        return this;
    }

    /** Loads every {@code *.json} in {@code dir}, sorted by name. */
    public static List<ReferenceCase> loadDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--vectors: " + dir + " is not a directory");
        }
        List<ReferenceCase> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                String text;
                try {
                    text = Files.readString(f, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalArgumentException(f + ": cannot read: " + e.getMessage());
                }
                out.add(ReferenceCase.parse(f.toString(), text));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--vectors: cannot list " + dir + ": " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--vectors: no *.json case files in " + dir);
        }
        return out;
    }

    /** The copy of the reference cases bundled with the app. */
    public static List<ReferenceCase> loadBundled() {
        List<ReferenceCase> out = new ArrayList<>();
        for (String name : resource("index.txt").split("\\R")) {
            if (!name.isBlank()) {
                out.add(ReferenceCase.parse(name.trim(), resource(name.trim())));
            }
        }
        return out;
    }

    private static String resource(String name) {
        try (InputStream in = SelfCheck.class.getResourceAsStream("/org/symile/samediff/testvectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("bundled reference case missing from symile-samediff: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs every case in DOUBLE and FLOAT. */
    public List<Row> run(List<ReferenceCase> cases) {
        List<Row> rows = new ArrayList<>();
        for (ReferenceCase c : cases) {
            for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                if (c instanceof ReferenceCase.Loss loss) {
                    rows.add(checkLoss(loss, dt, false));
                    if (loss.negativeSampling() == NegativeSampling.N_SQUARED) {
                        rows.add(checkLoss(loss, dt, true));
                    }
                } else if (c instanceof ReferenceCase.TupleLoss t) {
                    rows.add(checkTupleLoss(t, dt, LossForm.GRAPH));
                    rows.add(checkTupleLoss(t, dt, LossForm.CLOSED_FORM));
                } else if (c instanceof ReferenceCase.TupleZeroShot z) {
                    rows.add(checkTupleZeroShot(z, dt));
                } else if (c instanceof ReferenceCase.ZeroShot z) {
                    rows.add(checkZeroShot(z, dt, ZeroShot.Score.SYMILE));
                    rows.add(checkZeroShot(z, dt, ZeroShot.Score.CLIP));
                } else {
                    for (BiFunction<ReferenceCase, DataType, Row> check : extraChecks) {
                        Row r = check.apply(c, dt);
                        if (r != null) {
                            rows.add(r);
                        }
                    }
                }
            }
        }
        return rows;
    }

    private static Row checkLoss(ReferenceCase.Loss c, DataType dt, boolean lean) {
        LossEvaluator eval;
        String variant;
        if (c.lossFn() == LossFn.CLIP) {
            eval = LossEvaluator.clip(dt);
            variant = "clip";
        } else if (lean) {
            eval = LossEvaluator.symile(SymileLoss.Config.lean(), dt);
            variant = "symile " + c.negativeSampling() + " lean";
        } else {
            eval = LossEvaluator.symile(SymileLoss.Config.of(c.negativeSampling()), dt);
            variant = "symile " + c.negativeSampling();
        }
        List<INDArray> reps = new ArrayList<>();
        for (double[][] r : c.reps()) {
            reps.add(Nd4j.createFromArray(r).castTo(dt));
        }
        Permutations perms = c.permutations() == null ? null : Permutations.fixed(c.permutations());
        return lossRow(c.name(), variant, dt, eval.evaluate(reps, c.logScale(), perms), c.expectedLoss(),
                c.expectedGrads(), c.expectedGradLogScale());
    }

    /** The row of a loss case: the errors of the value, the representation gradients and ∂/∂log s. */
    private static Row lossRow(String name, String variant, DataType dt, LossEvaluator.Result res,
                               double expectedLoss, double[][][] expectedGrads, double expectedGradLogScale) {
        boolean abs = dt == DataType.DOUBLE;
        double lossErr = error(expectedLoss, res.loss(), Math.abs(expectedLoss), abs);
        double scaleErr = error(expectedGradLogScale, res.gradLogScale(), Math.abs(expectedGradLogScale), abs);
        double gradErr = 0;
        for (int m = 0; m < expectedGrads.length; m++) {
            double[][] g = res.gradients().get(m).castTo(DataType.DOUBLE).toDoubleMatrix();
            gradErr = Math.max(gradErr, maxError(expectedGrads[m], g, abs));
        }
        return new Row(name, variant, dt, lossErr, gradErr, scaleErr, abs ? DOUBLE_TOL : FLOAT_TOL);
    }

    private static Row checkTupleLoss(ReferenceCase.TupleLoss c, DataType dt, LossForm form) {
        TupleObjectiveLoss loss = new TupleObjectiveLoss(c.objective(), c.labelSmoothing(), c.anchors());
        if (form == LossForm.GRAPH && c.reps().length > TupleObjectiveLoss.GRAPH_MAX_MODALITIES) {
            form = LossForm.CLOSED_FORM;
        }
        LossEvaluator eval = new LossEvaluator(loss.withForm(form)::build, dt);
        List<INDArray> reps = new ArrayList<>();
        for (double[][] r : c.reps()) {
            reps.add(Nd4j.createFromArray(r).castTo(dt));
        }
        String variant = c.objective().flag() + (form == LossForm.GRAPH ? "" : " closed form");
        return lossRow(c.name(), variant, dt, eval.evaluate(reps, c.logScale(), null), c.expectedLoss(),
                c.expectedGrads(), c.expectedGradLogScale());
    }

    private static Row checkTupleZeroShot(ReferenceCase.TupleZeroShot c, DataType dt) {
        List<INDArray> queries = new ArrayList<>();
        for (double[][] q : c.queries()) {
            queries.add(Nd4j.createFromArray(q).castTo(dt));
        }
        double[][] got = TupleObjectiveLoss.zeroShotScores(c.objective(), Nd4j.createFromArray(c.candidates())
                .castTo(dt), queries, c.logScale()).castTo(DataType.DOUBLE).toDoubleMatrix();
        boolean abs = dt == DataType.DOUBLE;
        return new Row(c.name(), "zero-shot " + c.objective().flag(), dt, maxError(c.expected(), got, abs), 0, 0,
                abs ? DOUBLE_TOL : FLOAT_TOL);
    }

    private static Row checkZeroShot(ReferenceCase.ZeroShot c, DataType dt, ZeroShot.Score score) {
        List<INDArray> queries = new ArrayList<>();
        for (double[][] q : c.queries()) {
            queries.add(Nd4j.createFromArray(q).castTo(dt));
        }
        INDArray cand = Nd4j.createFromArray(c.candidates()).castTo(dt);
        double[][] got = ZeroShot.scores(score, cand, queries, Math.exp(c.logScale()))
                .castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] expected = score == ZeroShot.Score.SYMILE ? c.expectedSymile() : c.expectedClip();
        boolean abs = dt == DataType.DOUBLE;
        return new Row(c.name(), "zero-shot " + score.flag(), dt, maxError(expected, got, abs), 0, 0,
                abs ? DOUBLE_TOL : FLOAT_TOL);
    }

    /** Largest error over a matrix; FLOAT errors are relative to max(|e|, largest |e| of the matrix). */
    static double maxError(double[][] expected, double[][] actual, boolean absolute) {
        double floor = 0;
        for (double[] row : expected) {
            for (double v : row) {
                floor = Math.max(floor, Math.abs(v));
            }
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                worst = Math.max(worst, error(expected[i][j], actual[i][j], floor, absolute));
            }
        }
        return worst;
    }

    static double error(double expected, double actual, double floor, boolean absolute) {
        double diff = Math.abs(expected - actual);
        if (Double.isNaN(diff)) {
            return Double.POSITIVE_INFINITY;
        }
        return absolute ? diff : diff / Math.max(Math.max(Math.abs(expected), floor), 1e-30);
    }
}
