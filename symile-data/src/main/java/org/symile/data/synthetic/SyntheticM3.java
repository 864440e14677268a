package org.symile.data.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.factory.Nd4j;
import org.symile.data.NpyFile;
import org.symile.data.io.AtomicFiles;
import org.symile.data.m3.M3Layout;

/**
 * A small Symile-M3-like dataset in upstream's split layout (spec §5): each sample is (audio, image, text). The
 * audio features encode a language, the image features a class, and the text is {@code num_words} tokens, each
 * the word for some (class, language) pair in distinct languages, exactly one of which is in the audio's language
 * and names the image's class. So the image class is determined only by audio AND text together: pairwise
 * models see num_words equally likely classes, and Symile should beat CLIP by about that factor.
 *
 * <p>Token ids follow XLM-R's conventions (0 = bos, 1 = pad, 2 = eos; words from 3) and are stored as float32,
 * as upstream stores them. Also written: lang/cls/words text files, missingness indicators for train and val at
 * every probability the loader accepts, and {@code metadata.json} with the encoder widths.
 */
public final class SyntheticM3 {

    /** Sizes; {@code classes} ≥ {@code numWords}, {@code numWords} ≤ languages. */
    public record Config(int trainN, int valN, int testN, int numLangs, int numWords, int classes, int audioDim,
                         int imageDim, double noise, long seed) {
        public Config {
            M3Layout.languages(numLangs);
            if (numWords < 1 || numWords > numLangs) {
                throw new IllegalArgumentException("--num_words: expected 1.." + numLangs + " (one word per language),"
                        + " got " + numWords);
            }
            if (classes < numWords) {
                throw new IllegalArgumentException("--classes: expected >= --num_words, got " + classes);
            }
            if (trainN < 1 || valN < 1 || testN < 1 || audioDim < 1 || imageDim < 1 || !(noise >= 0)) {
                throw new IllegalArgumentException("sizes must be positive and noise >= 0");
            }
        }

        public static Config defaults() {
            return new Config(6000, 1000, 1000, 5, 5, 10, 32, 32, 0.1, 0);
        }
    }

    private SyntheticM3() {
    }

    /** Writes train/val/test and metadata.json under {@code out}. */
    public static void write(Path out, Config c) {
        RandomGenerator rng = new java.util.SplittableRandom(c.seed());
        double[][] langCode = gaussian(rng, c.numLangs(), c.audioDim());
        double[][] classCode = gaussian(rng, c.classes(), c.imageDim());
        List<String> langs = M3Layout.languages(c.numLangs());
        int len = c.numWords() + 2;
        writeSplit(out, "train", c.trainN(), c, rng, langCode, classCode, langs, len, true);
        writeSplit(out, "val", c.valN(), c, rng, langCode, classCode, langs, len, true);
        writeSplit(out, "test", c.testN(), c, rng, langCode, classCode, langs, len, false);
        ObjectNode meta = new ObjectMapper().createObjectNode();
        meta.put("dataset_description", "synthetic Symile-M3: " + c.numLangs() + " languages, " + c.numWords()
                + " words, " + c.classes() + " classes, seed " + c.seed());
        meta.put("image_model_id", "synthetic");
        meta.put("audio_model_id", "synthetic");
        meta.put("text_model_id", "synthetic");
        meta.put("image_enc_hidden_sz", c.imageDim());
        meta.put("audio_enc_hidden_sz", c.audioDim());
        meta.put("text_enc_hidden_sz", 0);
        meta.put("num_langs", c.numLangs());
        meta.put("num_words", c.numWords());
        meta.put("classes", c.classes());
        meta.put("vocab_size", vocab(c));
        try {
            AtomicFiles.writeString(out.resolve("metadata.json"), new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(meta) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Vocabulary size: 3 special tokens plus one word per (class, language). */
    public static int vocab(Config c) {
        return 3 + c.classes() * c.numLangs();
    }

    private static void writeSplit(Path out, String split, int n, Config c, RandomGenerator rng, double[][] langCode,
                                   double[][] classCode, List<String> langs, int len, boolean missingness) {
        Path dir = out.resolve(split);
        float[][] audio = new float[n][c.audioDim()];
        float[][] image = new float[n][c.imageDim()];
        float[][] ids = new float[n][len];
        float[][] mask = new float[n][len];
        float[] cls = new float[n];
        float[] idx = new float[n];
        StringBuilder lang = new StringBuilder();
        StringBuilder clsTxt = new StringBuilder();
        StringBuilder words = new StringBuilder();
        for (int r = 0; r < n; r++) {
            int l = rng.nextInt(c.numLangs());
            int k = rng.nextInt(c.classes());
            for (int j = 0; j < c.audioDim(); j++) {
                audio[r][j] = (float) (langCode[l][j] + c.noise() * rng.nextGaussian());
            }
            for (int j = 0; j < c.imageDim(); j++) {
                image[r][j] = (float) (classCode[k][j] + c.noise() * rng.nextGaussian());
            }
            // disjoint mode: the target word plus num_words-1 words of other classes in other languages
            List<Integer> otherLangs = others(c.numLangs(), l, rng);
            List<Integer> otherClasses = others(c.classes(), k, rng);
            List<int[]> pairs = new ArrayList<>();
            pairs.add(new int[] {k, l});
            for (int w = 1; w < c.numWords(); w++) {
                pairs.add(new int[] {otherClasses.get(w - 1), otherLangs.get(w - 1)});
            }
            shuffle(pairs, rng);
            ids[r][0] = 0;
            mask[r][0] = 1;
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < pairs.size(); w++) {
                ids[r][w + 1] = 3 + pairs.get(w)[0] * c.numLangs() + pairs.get(w)[1];
                mask[r][w + 1] = 1;
                text.append(w == 0 ? "" : "_").append("c").append(pairs.get(w)[0]).append(langs.get(pairs.get(w)[1]));
            }
            ids[r][len - 1] = 2;
            mask[r][len - 1] = 1;
            cls[r] = k;
            idx[r] = r;
            lang.append(langs.get(l)).append('\n');
            clsTxt.append("class").append(k).append('\n');
            words.append(text).append('\n');
        }
        NpyFile.write(dir.resolve("audio_" + split + ".npy"), Nd4j.createFromArray(audio));
        NpyFile.write(dir.resolve("image_" + split + ".npy"), Nd4j.createFromArray(image));
        NpyFile.write(dir.resolve("text_input_ids_" + split + ".npy"), Nd4j.createFromArray(ids));
        NpyFile.write(dir.resolve("text_attention_mask_" + split + ".npy"), Nd4j.createFromArray(mask));
        NpyFile.write(dir.resolve("cls_id_" + split + ".npy"), Nd4j.createFromArray(cls));
        NpyFile.write(dir.resolve("idx_" + split + ".npy"), Nd4j.createFromArray(idx));
        AtomicFiles.writeString(dir.resolve("lang_" + split + ".txt"), lang.toString());
        AtomicFiles.writeString(dir.resolve("cls_" + split + ".txt"), clsTxt.toString());
        AtomicFiles.writeString(dir.resolve("words_" + split + ".txt"), words.toString());
        if (missingness) {
            for (double p : M3Layout.MISSINGNESS_PROBS) {
                for (String m : new String[] {"text", "image", "audio"}) {
                    int[] miss = new int[n];
                    for (int r = 0; r < n; r++) {
                        miss[r] = rng.nextDouble() < p ? 1 : 0;
                    }
                    NpyFile.write(dir.resolve(M3Layout.missingnessName(m, p) + "_" + split + ".npy"),
                            Nd4j.createFromArray(miss));
                }
            }
        }
    }

    private static List<Integer> others(int n, int exclude, RandomGenerator rng) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i != exclude) {
                l.add(i);
            }
        }
        shuffle(l, rng);
        return l;
    }

    private static <T> void shuffle(List<T> l, RandomGenerator rng) {
        for (int i = l.size() - 1; i > 0; i--) {
            Collections.swap(l, i, rng.nextInt(i + 1));
        }
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
