package org.symile.data.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.NpyFile;
import org.symile.data.io.AtomicFiles;
import org.symile.data.mimic.MimicLayout;

/**
 * A small Symile-MIMIC-like dataset in upstream's split layout (spec §6): per admission a CXR (3×S×S), an ECG
 * (1×T×12) and 50 lab percentiles with observed-indicators (int64, 1 = observed), all driven by one shared
 * latent vector, so each modality carries information about the others. {@code train} and {@code val} hold one
 * row per admission; {@code val_retrieval} and {@code test} are in candidate form: every admission as a
 * positive ({@code label} 1, {@code label_hadm_id} = own id) first, then for each one 9 other admissions of the
 * split as negatives ({@code label} 0, {@code label_hadm_id} = the query's id), as upstream writes them.
 */
public final class SyntheticMimic {

    /** Sizes: admissions per split, image side, ECG length, latent width, noise. */
    public record Config(int trainN, int valN, int testN, int imageSize, int ecgLength, int latent, double noise,
                         long seed) {
        public Config {
            if (trainN < 1 || valN < MimicLayout.CANDIDATES || testN < MimicLayout.CANDIDATES) {
                throw new IllegalArgumentException("--train_n must be >= 1 and --val_n, --test_n >= "
                        + MimicLayout.CANDIDATES + " (each query needs 9 negatives)");
            }
            if (imageSize < 8 || ecgLength < 16 || latent < 1 || !(noise >= 0)) {
                throw new IllegalArgumentException("--image_size >= 8, --ecg_length >= 16, --latent >= 1, noise >= 0");
            }
        }

        public static Config defaults() {
            return new Config(2000, 200, 200, 32, 256, 8, 0.3, 0);
        }
    }

    private SyntheticMimic() {
    }

    /** Writes train, val, val_retrieval, test and metadata.json under {@code out}. */
    public static void write(Path out, Config c) {
        RandomGenerator rng = new java.util.SplittableRandom(c.seed());
        Model m = new Model(c, rng);
        long[] nextId = {20_000_000};
        writePlain(out, "train", m.sample(c.trainN(), rng, nextId));
        Admissions val = m.sample(c.valN(), rng, nextId);
        writePlain(out, "val", val);
        writeRetrieval(out, "val_retrieval", val, rng);
        writeRetrieval(out, "test", m.sample(c.testN(), rng, nextId), rng);
        ObjectNode meta = new ObjectMapper().createObjectNode();
        meta.put("train size", c.trainN());
        meta.put("val size", c.valN());
        meta.put("val retrieval size", c.valN() * MimicLayout.CANDIDATES);
        meta.put("test size", c.testN() * MimicLayout.CANDIDATES);
        meta.put("cxr_scale", c.imageSize());
        meta.put("cxr_crop", c.imageSize());
        meta.put("dataset_description", "synthetic Symile-MIMIC, latent " + c.latent() + ", seed " + c.seed());
        try {
            AtomicFiles.writeString(out.resolve("metadata.json"), new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(meta) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One split's admissions in memory. */
    private record Admissions(float[][][][] cxr, float[][][][] ecg, float[][] labs, long[][] observed, long[] ids) {
        int n() {
            return ids.length;
        }
    }

    /** Fixed random projections from the latent to each modality. */
    private static final class Model {
        final Config c;
        final double[][] cxrMap;
        final double[][] ecgFreq;
        final double[][] labsMap;

        Model(Config c, RandomGenerator rng) {
            this.c = c;
            this.cxrMap = gaussian(rng, c.latent(), 3 * 4 * 4);
            this.ecgFreq = gaussian(rng, c.latent(), 12);
            this.labsMap = gaussian(rng, c.latent(), MimicLayout.LABS);
        }

        Admissions sample(int n, RandomGenerator rng, long[] nextId) {
            int s = c.imageSize();
            int t = c.ecgLength();
            float[][][][] cxr = new float[n][3][s][s];
            float[][][][] ecg = new float[n][1][t][12];
            float[][] labs = new float[n][MimicLayout.LABS];
            long[][] obs = new long[n][MimicLayout.LABS];
            long[] ids = new long[n];
            for (int r = 0; r < n; r++) {
                double[] z = new double[c.latent()];
                for (int k = 0; k < z.length; k++) {
                    z[k] = rng.nextGaussian();
                }
                double[] coarse = project(z, cxrMap); // a 3x4x4 image, upsampled to SxS
                for (int ch = 0; ch < 3; ch++) {
                    for (int y = 0; y < s; y++) {
                        for (int x = 0; x < s; x++) {
                            double v = coarse[ch * 16 + (y * 4 / s) * 4 + (x * 4 / s)] / Math.sqrt(c.latent());
                            cxr[r][ch][y][x] = (float) (v + c.noise() * rng.nextGaussian());
                        }
                    }
                }
                double[] freq = project(z, ecgFreq);
                for (int lead = 0; lead < 12; lead++) {
                    double f = 1 + Math.abs(freq[lead]) / Math.sqrt(c.latent());
                    double phase = freq[lead];
                    for (int i = 0; i < t; i++) {
                        ecg[r][0][i][lead] = (float) Math.max(-1, Math.min(1, 0.8 * Math.sin(2 * Math.PI * f * i / 64.0
                                + phase) + 0.5 * c.noise() * rng.nextGaussian()));
                    }
                }
                double[] lab = project(z, labsMap);
                for (int j = 0; j < MimicLayout.LABS; j++) {
                    boolean observed = rng.nextDouble() < 0.8;
                    obs[r][j] = observed ? 1 : 0;
                    double p = 1 / (1 + Math.exp(-(lab[j] / Math.sqrt(c.latent()) + c.noise() * rng.nextGaussian())));
                    labs[r][j] = observed ? (float) p : 0.5f; // missing labs get the (train) mean percentile
                }
                ids[r] = nextId[0]++;
            }
            return new Admissions(cxr, ecg, labs, obs, ids);
        }
    }

    private static void writePlain(Path out, String split, Admissions a) {
        Path dir = out.resolve(split);
        NpyFile.write(dir.resolve("cxr_" + split + ".npy"), Nd4j.createFromArray(a.cxr()));
        NpyFile.write(dir.resolve("ecg_" + split + ".npy"), Nd4j.createFromArray(a.ecg()));
        NpyFile.write(dir.resolve("labs_percentiles_" + split + ".npy"), Nd4j.createFromArray(a.labs()));
        NpyFile.write(dir.resolve("labs_missingness_" + split + ".npy"), Nd4j.createFromArray(a.observed()));
        NpyFile.write(dir.resolve("hadm_id_" + split + ".npy"), Nd4j.createFromArray(a.ids()));
    }

    /** Positives first, then 9 sampled negatives per query, as upstream's sample_negative_candidates. */
    private static void writeRetrieval(Path out, String split, Admissions a, RandomGenerator rng) {
        int n = a.n();
        int total = n * MimicLayout.CANDIDATES;
        int[] source = new int[total];
        long[] labelId = new long[total];
        long[] label = new long[total];
        for (int q = 0; q < n; q++) {
            source[q] = q;
            labelId[q] = a.ids()[q];
            label[q] = 1;
        }
        int pos = n;
        for (int q = 0; q < n; q++) {
            int[] others = new int[n - 1];
            for (int i = 0, k = 0; i < n; i++) {
                if (i != q) {
                    others[k++] = i;
                }
            }
            for (int k = 0; k < MimicLayout.CANDIDATES - 1; k++) {
                int j = k + rng.nextInt(others.length - k);
                int tmp = others[k];
                others[k] = others[j];
                others[j] = tmp;
                source[pos] = others[k];
                labelId[pos] = a.ids()[q];
                label[pos] = 0;
                pos++;
            }
        }
        float[][][][] cxr = new float[total][][][];
        float[][][][] ecg = new float[total][][][];
        float[][] labs = new float[total][];
        long[][] obs = new long[total][];
        long[] ids = new long[total];
        for (int i = 0; i < total; i++) {
            cxr[i] = a.cxr()[source[i]];
            ecg[i] = a.ecg()[source[i]];
            labs[i] = a.labs()[source[i]];
            obs[i] = a.observed()[source[i]];
            ids[i] = a.ids()[source[i]];
        }
        writePlain(out, split, new Admissions(cxr, ecg, labs, obs, ids));
        Path dir = out.resolve(split);
        NpyFile.write(dir.resolve("label_hadm_id_" + split + ".npy"), Nd4j.createFromArray(labelId));
        NpyFile.write(dir.resolve("label_" + split + ".npy"), Nd4j.createFromArray(label));
    }

    private static double[] project(double[] z, double[][] map) {
        double[] out = new double[map[0].length];
        for (int k = 0; k < z.length; k++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += z[k] * map[k][j];
            }
        }
        return out;
    }

    private static double[][] gaussian(RandomGenerator rng, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (double[] row : out) {
            for (int j = 0; j < cols; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return out;
    }
}
