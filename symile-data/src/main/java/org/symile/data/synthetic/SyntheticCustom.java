package org.symile.data.synthetic;

import java.nio.file.Path;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.NpyFile;
import org.symile.data.custom.CustomLayout;

/**
 * A small dataset in the {@code --experiment custom} layout ({@link CustomLayout}) whose structure only a
 * higher-order objective can learn: each row draws two independent uniform bit vectors a and b of {@code bits}
 * bits and sets c = a XOR b, so any two of (a, b, c) are independent and the three together determined (binary
 * XOR at p̂ = 1, paper §5.1). The modalities, in {@code --modalities} order {@code left,right,target}:
 * <ul>
 *   <li>{@code left}: features [N, 24], a fixed random linear code of a's ±1 bits plus Gaussian noise;</li>
 *   <li>{@code right}: tokens [N, bits + 2], id 1 + 2j + b_j for bit j, in random order with two padding
 *       positions (id 0) that {@code right_mask} marks 0; {@code right_missing} marks {@code missing} of the
 *       rows absent;</li>
 *   <li>{@code target}: features [N, 16], a code of c's bits plus noise.</li>
 * </ul>
 * Retrieving {@code target} from {@code left} and {@code right} is at chance for any pairwise objective.
 */
public final class SyntheticCustom {
    /** The modalities, in the order a run lists them. */
    public static final String MODALITIES = "left,right,target";
    private static final int LEFT_WIDTH = 24;
    private static final int TARGET_WIDTH = 16;

    /** Sizes, noise, the share of rows whose {@code right} is absent, and the seed. */
    public record Config(int trainN, int valN, int testN, int bits, double noise, double missing, long seed) {
        public Config {
            if (trainN < 1 || valN < 1 || testN < 1) {
                throw new IllegalArgumentException("--train_n, --val_n, --test_n: expected positive row counts");
            }
            if (bits < 1 || bits > 30) {
                throw new IllegalArgumentException("--bits: expected 1..30, got " + bits);
            }
            if (!(noise >= 0) || !(missing >= 0 && missing < 1)) {
                throw new IllegalArgumentException("--noise: expected >= 0; missing share in [0, 1)");
            }
        }

        public static Config defaults() {
            return new Config(10000, 1000, 1000, 12, 0.1, 0.1, 0);
        }
    }

    private SyntheticCustom() {
    }

    /** Writes {@code train}, {@code val} and {@code test} under {@code out}. */
    public static void write(Path out, Config c) {
        RandomGenerator rng = new java.util.SplittableRandom(c.seed());
        double[][] leftCode = code(rng, c.bits(), LEFT_WIDTH);
        double[][] targetCode = code(rng, c.bits(), TARGET_WIDTH);
        writeSplit(out, "train", c.trainN(), c, rng, leftCode, targetCode);
        writeSplit(out, "val", c.valN(), c, rng, leftCode, targetCode);
        writeSplit(out, "test", c.testN(), c, rng, leftCode, targetCode);
    }

    private static void writeSplit(Path out, String split, int n, Config c, RandomGenerator rng, double[][] leftCode,
                                   double[][] targetCode) {
        Path dir = out.resolve(split);
        int k = c.bits();
        int len = k + 2;
        float[][] left = new float[n][LEFT_WIDTH];
        float[][] target = new float[n][TARGET_WIDTH];
        long[][] tokens = new long[n][len];
        float[][] mask = new float[n][len];
        int[] missing = new int[n];
        for (int r = 0; r < n; r++) {
            int[] a = new int[k];
            int[] b = new int[k];
            int[] xor = new int[k];
            for (int j = 0; j < k; j++) {
                a[j] = rng.nextInt(2);
                b[j] = rng.nextInt(2);
                xor[j] = a[j] ^ b[j];
            }
            project(a, leftCode, left[r], c.noise(), rng);
            project(xor, targetCode, target[r], c.noise(), rng);
            int[] order = permutation(len, rng);
            for (int p = 0; p < len; p++) {
                int slot = order[p];
                if (p < k) {
                    tokens[r][slot] = 1 + 2L * p + b[p];
                    mask[r][slot] = 1;
                }
            }
            missing[r] = rng.nextDouble() < c.missing() ? 1 : 0;
        }
        NpyFile.write(dir.resolve("left_" + split + ".npy"), Nd4j.createFromArray(left));
        NpyFile.write(dir.resolve("right_" + split + ".npy"), Nd4j.createFromArray(tokens));
        NpyFile.write(dir.resolve(CustomLayout.maskName("right") + "_" + split + ".npy"), Nd4j.createFromArray(mask));
        NpyFile.write(dir.resolve(CustomLayout.missingName("right") + "_" + split + ".npy"),
                Nd4j.createFromArray(missing));
        NpyFile.write(dir.resolve("target_" + split + ".npy"), Nd4j.createFromArray(target));
    }

    private static void project(int[] bits, double[][] code, float[] out, double noise, RandomGenerator rng) {
        for (int w = 0; w < out.length; w++) {
            double v = noise * rng.nextGaussian();
            for (int j = 0; j < bits.length; j++) {
                v += (2 * bits[j] - 1) * code[j][w];
            }
            out[w] = (float) v;
        }
    }

    private static double[][] code(RandomGenerator rng, int bits, int width) {
        double[][] out = new double[bits][width];
        for (double[] row : out) {
            for (int w = 0; w < width; w++) {
                row[w] = rng.nextGaussian() / Math.sqrt(bits);
            }
        }
        return out;
    }

    private static int[] permutation(int n, RandomGenerator rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
