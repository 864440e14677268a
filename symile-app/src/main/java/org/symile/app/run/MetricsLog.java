package org.symile.app.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.symile.app.train.Trainer;
import org.symile.data.io.AtomicFiles;

/**
 * A run's {@code metrics.csv}: one {@code train} row per optimizer step and one {@code val} row per validation,
 * <pre>
 *   kind,epoch,step,train_loss,val_loss,val_acc,logit_scale_exp,log_n,lr,samples_per_s
 *   train,1,1,5.5412,,,0.0701,6.9078,0.1,2843.1
 *   val,1,10,5.3990,5.2871,0.1875,0.0712,,0.1,
 * </pre>
 * ({@code step} counts optimizer steps over the whole run; {@code log_n} = ln B of the step's batch, the bound's
 * log N that upstream logs; a val row carries the epoch's mean train loss and the step it followed). Rows are appended as training goes and flushed at every epoch end. A resumed run first drops
 * the rows after its checkpoint (steps the interrupted process took past it), rewriting the file atomically, so
 * the file always describes one uninterrupted run. At the end {@link #plot} draws {@code curves.png} (train loss
 * per step, validation loss) and {@code val_acc.png}.
 */
final class MetricsLog implements AutoCloseable {
    static final String FILE = "metrics.csv";
    static final String HEADER = "kind,epoch,step,train_loss,val_loss,val_acc,logit_scale_exp,log_n,lr,samples_per_s";
    private static final int COLUMNS = 10;

    private final Path file;
    private final BufferedWriter out;
    private final List<Double> trainSteps = new ArrayList<>();
    private final List<Double> trainLoss = new ArrayList<>();
    private final List<Double> valSteps = new ArrayList<>();
    private final List<Double> valLoss = new ArrayList<>();
    private final List<Double> accSteps = new ArrayList<>();
    private final List<Double> valAcc = new ArrayList<>();

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Opens {@code <dir>/metrics.csv} for appending, keeping the rows of the first {@code steps} steps and
     * {@code epochs} epochs (0 and 0 for a fresh run, which starts the file anew).
     */
    static MetricsLog open(Path dir, long steps, int epochs) {
        Path file = dir.resolve(FILE);
        List<String> kept = new ArrayList<>();
        try {
            if (Files.isRegularFile(file) && (steps > 0 || epochs > 0)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split(",", -1);
                    if (f.length == COLUMNS && (f[0].equals("train") || f[0].equals("val")) && isNumber(f[1])
                            && isNumber(f[2]) && (f[0].equals("train") ? Long.parseLong(f[2]) <= steps
                            : Integer.parseInt(f[1]) <= epochs)) {
                        kept.add(line);
                    }
                }
            }
            StringBuilder text = new StringBuilder(HEADER).append('\n');
            kept.forEach(l -> text.append(l).append('\n'));
            AtomicFiles.writeString(file, text.toString());
            MetricsLog log = new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND));
            kept.forEach(log::remember);
            return log;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 18;
    }

    private void remember(String line) {
        String[] f = line.split(",", -1);
        double step = Double.parseDouble(f[2]);
        if (f[0].equals("train")) {
            add(trainSteps, trainLoss, step, f[3]);
        } else {
            add(valSteps, valLoss, step, f[4]);
            add(accSteps, valAcc, step, f[5]);
        }
    }

    private static void add(List<Double> xs, List<Double> ys, double x, String y) {
        if (!y.isEmpty()) {
            add(xs, ys, x, Double.parseDouble(y));
        }
    }

    private static void add(List<Double> xs, List<Double> ys, double x, double y) {
        if (Double.isFinite(y)) {
            xs.add(x);
            ys.add(y);
        }
    }

    void step(Trainer.StepStats s) {
        write(String.format(Locale.ROOT, "train,%d,%d,%s,,,%s,%s,%s,%s", s.epoch(), s.step(), num(s.trainLoss()),
                num(s.logitScaleExp()), num(Math.log(s.rows())), num(s.lr()), num(s.samplesPerSecond())));
        add(trainSteps, trainLoss, s.step(), s.trainLoss());
    }

    /** A validation after {@code step} steps; {@code lr} is the learning rate then. */
    void validation(Trainer.EpochStats s, long step, double lr) {
        Double acc = s.valMetrics().get("val_acc");
        write(String.format(Locale.ROOT, "val,%d,%d,%s,%s,%s,%s,,%s,", s.epoch(), step, num(s.trainLoss()),
                num(s.valLoss()), acc == null ? "" : num(acc), num(s.logitScaleExp()), num(lr)));
        add(valSteps, valLoss, step, s.valLoss());
        if (acc != null) {
            add(accSteps, valAcc, step, acc);
        }
        flush();
    }

    private void write(String line) {
        try {
            out.write(line);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    /** {@code curves.png} (train loss per step, validation loss) and, with accuracies, {@code val_acc.png}. */
    void plot(Path dir, String title) {
        if (trainSteps.isEmpty() && valSteps.isEmpty()) {
            return;
        }
        List<Charts.Series> loss = new ArrayList<>();
        if (!trainSteps.isEmpty()) {
            loss.add(new Charts.Series("train_loss", trainSteps, trainLoss, true));
        }
        if (!valSteps.isEmpty()) {
            loss.add(new Charts.Series("val_loss", valSteps, valLoss, valSteps.size() > 1));
        }
        Charts.line(dir.resolve("curves.png"), title + ": loss", "step", "loss", loss, Charts.Axes.STEPS);
        if (!accSteps.isEmpty()) {
            Charts.line(dir.resolve("val_acc.png"), title + ": validation accuracy", "step", "val_acc",
                    List.of(new Charts.Series("val_acc", accSteps, valAcc, accSteps.size() > 1)), Charts.Axes.STEPS);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
