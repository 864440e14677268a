package org.symile.app.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.symile.data.synthetic.SyntheticCustom;
import org.symile.data.synthetic.SyntheticM3;
import org.symile.data.synthetic.SyntheticMimic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code symile generate}: write a synthetic dataset in upstream's split layout. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a small synthetic Symile-M3 or Symile-MIMIC dataset in upstream's split layout"
                + " (<out>/<split>/<name>_<split>.npy, metadata.json), or a custom one (modalities left,right,target:"
                + " features, masked tokens that can be absent, features; the target is the XOR of the other two's"
                + " bits, which only a higher-order objective learns), for tests and demos. The directory is built"
                + " under a temporary name and renamed when complete."})
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--experiment", required = true, paramLabel = "NAME",
            description = "symile_m3, symile_mimic or custom.")
    private String experiment;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must not exist).")
    private Path out;

    @Option(names = "--train_n", paramLabel = "N", description = "Training rows [6000 / 2000 / 10000].")
    private Integer trainN;

    @Option(names = "--val_n", paramLabel = "N", description = "Validation rows [1000 / 200 / 1000].")
    private Integer valN;

    @Option(names = "--test_n", paramLabel = "N", description = "Test rows (MIMIC: test queries) [1000 / 200 / 1000].")
    private Integer testN;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--noise", paramLabel = "X", description = "Noise level [0.1 / 0.3 / 0.1].")
    private Double noise;

    @Option(names = "--bits", paramLabel = "N", description = "custom: bits of the XOR each row encodes [12].")
    private Integer bits;

    @Option(names = "--num_langs", paramLabel = "N", description = "symile_m3: 2, 5 or 10 languages [5].")
    private Integer numLangs;

    @Option(names = "--num_words", paramLabel = "N", description = "symile_m3: words per text, <= languages [5].")
    private Integer numWords;

    @Option(names = "--classes", paramLabel = "N", description = "symile_m3: image classes [10].")
    private Integer classes;

    @Option(names = "--audio_dim", paramLabel = "N", description = "symile_m3: audio feature width [32].")
    private Integer audioDim;

    @Option(names = "--image_dim", paramLabel = "N", description = "symile_m3: image feature width [32].")
    private Integer imageDim;

    @Option(names = "--image_size", paramLabel = "N", description = "symile_mimic: CXR side [32].")
    private Integer imageSize;

    @Option(names = "--ecg_length", paramLabel = "N", description = "symile_mimic: ECG samples per lead [256].")
    private Integer ecgLength;

    @Option(names = "--latent", paramLabel = "N", description = "symile_mimic: width of the shared latent [8].")
    private Integer latent;

    @Override
    public Integer call() throws IOException {
        if (Files.exists(out) && !isEmptyDir(out)) {
            throw new IllegalArgumentException("--out: " + out + " exists and is not empty");
        }
        Path tmp = out.resolveSibling("." + out.getFileName() + ".partial");
        deleteTree(tmp);
        switch (experiment) {
            case "symile_m3" -> {
                SyntheticM3.Config d = SyntheticM3.Config.defaults();
                SyntheticM3.write(tmp, new SyntheticM3.Config(or(trainN, d.trainN()), or(valN, d.valN()),
                        or(testN, d.testN()), or(numLangs, d.numLangs()), or(numWords, d.numWords()),
                        or(classes, d.classes()), or(audioDim, d.audioDim()), or(imageDim, d.imageDim()),
                        noise == null ? d.noise() : noise, seed));
            }
            case "symile_mimic" -> {
                SyntheticMimic.Config d = SyntheticMimic.Config.defaults();
                SyntheticMimic.write(tmp, new SyntheticMimic.Config(or(trainN, d.trainN()), or(valN, d.valN()),
                        or(testN, d.testN()), or(imageSize, d.imageSize()), or(ecgLength, d.ecgLength()),
                        or(latent, d.latent()), noise == null ? d.noise() : noise, seed));
            }
            case "custom" -> {
                SyntheticCustom.Config d = SyntheticCustom.Config.defaults();
                SyntheticCustom.write(tmp, new SyntheticCustom.Config(or(trainN, d.trainN()), or(valN, d.valN()),
                        or(testN, d.testN()), or(bits, d.bits()), noise == null ? d.noise() : noise, d.missing(),
                        seed));
            }
            default -> throw new IllegalArgumentException("--experiment: expected symile_m3, symile_mimic or custom,"
                    + " got '" + experiment + "'");
        }
        try {
            if (Files.exists(out)) {
                Files.delete(out);
            }
            Files.move(tmp, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + tmp + " to " + out + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().println(WroteLine.of(out));
        return 0;
    }

    private static int or(Integer v, int fallback) {
        return v == null ? fallback : v;
    }

    private static boolean isEmptyDir(Path p) {
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p + ": " + e.getMessage(), e);
        }
    }
}
