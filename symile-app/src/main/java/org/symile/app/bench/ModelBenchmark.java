package org.symile.app.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.symile.app.examples.BinaryXor8Example;
import org.symile.app.experiments.m3.M3Architecture;
import org.symile.app.experiments.m3.M3Model;
import org.symile.app.experiments.mimic.MimicArchitecture;
import org.symile.app.experiments.mimic.MimicModel;
import org.symile.app.experiments.xor.BinaryXorModel;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.app.train.RngStream;
import org.symile.data.synthetic.BinaryXor;
import org.symile.samediff.LossForm;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.SymileLabels;
import org.symile.samediff.dl4j.TorchvisionResNet;
import org.symile.samediff.nn.TextEncoder;

/**
 * Times whole training steps of the networks, float32, on random inputs, and reports the process's peak resident
 * memory while they ran ({@code peak_rss_mb}: VmHWM after the timed steps, reset before the first one):
 * <ul>
 *   <li>{@code resnet50_step}, {@code resnet18_step}: torchvision's network on [B, 3, S, S] with a 1000-wide linear
 *       output, mean squared error, one SGD step; the same as {@code bench/pytorch_resnet.py};</li>
 *   <li>{@code mimic_step}: the Symile-MIMIC model (ResNet-50 on [B, 3, S, S], ResNet-18 on [B, 1, T, 12], labs
 *       MLP, width d, AdamW) as {@code train} runs it, with samples/s; the same as {@code bench/pytorch_mimic.py};</li>
 *   <li>{@code m3_step}: the Symile-M3 model at upstream's encoder widths and {@code --d} (see {@link #m3}); the
 *       same as {@code bench/pytorch_m3.py};</li>
 *   <li>{@code xor_step}, {@code xor_step_clip}: binary_xor's training step (Symile or CLIP) at its default sizes,
 *       whatever {@code --B} and {@code --d} say; the same as {@code bench/pytorch_xor.py --step};</li>
 *   <li>{@code layer_step}, {@code layer_step_graph}: one DL4J {@code fit} of the 8-modality example's network
 *       (eight Linear(1, 16) encoders, L2 normalisation, {@code SymileOutputLayer} with O(N) negatives, Adam with
 *       decoupled weight decay) on a batch of 1000 with fresh negatives, the loss layer eager (the default) or as
 *       its SameDiff graph; the same as {@code bench/pytorch_xor8.py --step}.</li>
 * </ul>
 */
final class ModelBenchmark implements Benchmarks.Family {
    /** Benchmarks of whole models. */
    static final List<String> NAMES = List.of("resnet50_step", "resnet18_step", "mimic_step", "m3_step", "xor_step",
            "xor_step_clip", "layer_step", "layer_step_graph");
    /** m3_step's text encoder: XLM-R large's first layer over a compacted vocabulary, sequences of 32 tokens. */
    static final TextEncoder.Config M3_TEXT = new TextEncoder.Config(10_000, 1024, 16, 4096, 514, 1, 1e-5, 1, true);
    static final int M3_SEQ = 32;
    static final int M3_AUDIO = 1280;
    static final int M3_IMAGE = 1024;
    /** binary_xor's default sizes (upstream §13), which the xor_step benchmarks always use. */
    static final int XOR_DV = 5;
    static final int XOR_D = 16;
    static final int XOR_B = 1000;
    /** The 8-modality example's defaults (d 16, batch 1000, as {@code XOR_D} and {@code XOR_B}). */
    static final BinaryXor8Example.Config XOR8 = BinaryXor8Example.Config.defaults();

    /**
     * @param imageSize        S: side of the (square) image input
     * @param ecgLength        T: ECG samples per lead (mimic_step)
     * @param baseWidth        the ResNets' first-stage width (64 as torchvision)
     * @param negativeSampling Symile's negatives in mimic_step
     */
    private record Sizes(int imageSize, int ecgLength, int baseWidth, NegativeSampling negativeSampling) {
        /** The configured image size, or the benchmark's default: 224 (ImageNet) for the ResNets, 320 for MIMIC. */
        static Sizes of(BenchConfig c, String name) {
            int side = c.imageSize() != 0 ? c.imageSize() : name.equals("mimic_step") ? 320 : 224;
            return new Sizes(side, c.ecgLength(), c.baseWidth(), c.negativeSampling());
        }
    }

    private final BenchConfig c;

    ModelBenchmark(BenchConfig c) {
        this.c = c;
    }

    @Override
    public BenchResult run(String name) {
        Sizes s = Sizes.of(c, name);
        Nd4j.getRandom().setSeed(0);
        Map<String, Object> extra = new LinkedHashMap<>();
        if (!name.startsWith("xor") && !name.startsWith("layer_step") && !name.equals("m3_step")) {
            extra.put("image_size", s.imageSize());
            extra.put("base_width", s.baseWidth());
        }
        Runnable body = switch (name) {
            case "resnet50_step", "resnet18_step" -> resnet(name.startsWith("resnet50")
                    ? TorchvisionResNet.Depth.RESNET50 : TorchvisionResNet.Depth.RESNET18, c.b(), s);
            case "mimic_step" -> {
                extra.put("micro_batch_sz", c.microBatchSz());
                extra.put("ecg_length", s.ecgLength());
                extra.put("negative_sampling", s.negativeSampling().flag());
                yield mimic(c, s);
            }
            case "m3_step" -> {
                extra.put("micro_batch_sz", c.microBatchSz());
                extra.put("text_hidden", M3_TEXT.hidden());
                extra.put("seq_len", M3_SEQ);
                yield m3(c);
            }
            case "xor_step", "xor_step_clip" -> {
                extra.put("d_v", XOR_DV);
                yield xor(name.endsWith("clip") ? LossFn.CLIP : LossFn.SYMILE);
            }
            case "layer_step", "layer_step_graph" -> {
                extra.put("modalities", XOR8.modalities());
                extra.put("loss_form", name.endsWith("graph") ? "graph" : "closed_form");
                yield layerStep(name.endsWith("graph") ? LossForm.GRAPH : LossForm.CLOSED_FORM);
            }
            default -> throw new IllegalArgumentException("--only: unknown benchmark '" + name + "'");
        };
        boolean xor = name.startsWith("xor") || name.startsWith("layer_step");
        int b = xor ? XOR_B : c.b();
        Timing.Stats stats = Timing.measure(body, c.warmup(), c.iters(), c.timeLimitSeconds());
        extra.put("samples_per_s", b / (stats.medianMs() / 1000));
        extra.put("peak_rss_mb", peakRssMb());
        boolean withD = name.equals("mimic_step") || name.equals("m3_step");
        int m = name.startsWith("layer_step") ? XOR8.modalities() : xor || name.equals("m3_step") ? 3 : 0;
        return new BenchResult(name, b, xor ? XOR_D : withD ? c.d() : 0, m, stats, extra);
    }

    private static Runnable resnet(TorchvisionResNet.Depth depth, int b, Sizes s) {
        TorchvisionResNet net = new TorchvisionResNet(depth, 3, s.baseWidth());
        GraphBuilder g = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).updater(new Sgd(1e-3))
                .graphBuilder().addInputs("x").setInputTypes(InputType.convolutional(s.imageSize(), s.imageSize(), 3));
        String pooled = net.addTo(g, "", "x");
        g.addLayer("fc", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .nIn(net.features()).nOut(1000).build(), pooled).setOutputs("fc");
        ComputationGraph cg = new ComputationGraph(g.build());
        cg.init();
        MultiDataSet data = new MultiDataSet(Nd4j.randn(DataType.FLOAT, b, 3, s.imageSize(), s.imageSize()),
                Nd4j.randn(DataType.FLOAT, b, 1000));
        return () -> cg.fit(data);
    }

    private static Runnable mimic(BenchConfig c, Sizes s) {
        MimicArchitecture a = new MimicArchitecture(new long[] {3, s.imageSize(), s.imageSize()},
                new long[] {1, s.ecgLength(), 12}, c.d(), s.baseWidth());
        MimicModel model = new MimicModel(a, new LossSpec(LossFn.SYMILE, s.negativeSampling(), false, -7, false),
                new SplittableRandom(0), c.microBatchSz());
        model.useOptimizer(OptimizerSpec.of(5e-4, 0.2));
        int b = c.b();
        Batch batch = new Batch(Map.of("cxr", Nd4j.randn(DataType.FLOAT, b, 3, s.imageSize(), s.imageSize()),
                "ecg", Nd4j.randn(DataType.FLOAT, b, 1, s.ecgLength(), 12), "labs",
                Nd4j.rand(DataType.FLOAT, b, 100)), b);
        Permutations perms = Permutations.random(new SplittableRandom(1));
        return () -> model.trainStep(batch, perms);
    }

    /**
     * The Symile-M3 training step at upstream's encoder widths (spec §5.5): audio features 1280 and image features
     * 1024 through Linear + LayerNorm, token ids [B, 32] through XLM-R large's embeddings and first layer (hidden
     * 1024, 16 heads, intermediate 4096) over a 10,000-token compacted vocabulary, Linear to d at every position,
     * the mean, LayerNorm; Symile O(N), AdamW lr 1e-4 (upstream's M3 settings). The same as
     * {@code bench/pytorch_m3.py}.
     */
    private static Runnable m3(BenchConfig c) {
        long[] raw = new long[M3_TEXT.vocab()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = i;
        }
        M3Architecture a = new M3Architecture(M3_AUDIO, M3_IMAGE, c.d(), false, raw, M3_TEXT, null);
        M3Model model = new M3Model(a, new LossSpec(LossFn.SYMILE, NegativeSampling.N, false, -6, false),
                new RngStream(0), c.microBatchSz(), 0);
        model.useOptimizer(OptimizerSpec.of(1e-4, 0.0));
        int b = c.b();
        SplittableRandom rng = new SplittableRandom(2);
        int[][] ids = new int[b][M3_SEQ];
        float[][] mask = new float[b][M3_SEQ];
        for (int r = 0; r < b; r++) {
            // a real-token prefix of 8..32 tokens between <s> (0) and </s> (2), padding (1) after it, as XLM-R pads
            int len = 8 + rng.nextInt(M3_SEQ - 7);
            for (int t = 0; t < M3_SEQ; t++) {
                ids[r][t] = t == 0 ? 0 : t == len - 1 ? 2 : t < len ? 3 + rng.nextInt(M3_TEXT.vocab() - 3) : 1;
                mask[r][t] = t < len ? 1f : 0f;
            }
        }
        Batch batch = new Batch(Map.of("audio", Nd4j.randn(DataType.FLOAT, b, M3_AUDIO),
                "image", Nd4j.randn(DataType.FLOAT, b, M3_IMAGE), "ids", Nd4j.createFromArray(ids),
                "pos", Nd4j.createFromArray(TextEncoder.positionIds(ids, M3_TEXT)), "mask", Nd4j.createFromArray(mask)),
                b);
        Permutations perms = Permutations.random(new SplittableRandom(1));
        return () -> model.trainStep(batch, perms);
    }

    /**
     * binary_xor's production training step at its default sizes (d_v 5, d 16, B 1000, O(N) negatives, AdamW lr 0.1,
     * weight decay 0.01), cycling over the ten batches of a 10,000-row training split drawn at p̂ 0.5.
     */
    private static Runnable xor(LossFn fn) {
        BinaryXorModel model = new BinaryXorModel(XOR_DV, XOR_D, new LossSpec(fn, NegativeSampling.N, false, -0.3,
                false), new RngStream(0));
        model.useOptimizer(OptimizerSpec.of(0.1, 0.01));
        Map<String, INDArray> data = BinaryXor.generate(10 * XOR_B, XOR_DV, 0.5, new SplittableRandom(0));
        Batch[] batches = new Batch[10];
        for (int k = 0; k < batches.length; k++) {
            Map<String, INDArray> in = new LinkedHashMap<>();
            for (String m : List.of("a", "b", "c")) {
                in.put(m, data.get(m).get(NDArrayIndex.interval((long) k * XOR_B, (long) (k + 1) * XOR_B),
                        NDArrayIndex.all()).dup());
            }
            batches[k] = new Batch(in, XOR_B);
        }
        Permutations perms = Permutations.random(new SplittableRandom(1));
        int[] next = {0};
        return () -> model.trainStep(batches[next[0]++ % batches.length], perms);
    }

    /**
     * One {@code fit} of the 8-modality example's network at its defaults on a batch of its training rows, with
     * fresh O(N) negatives ({@link SymileLabels}) each step.
     */
    private static Runnable layerStep(LossForm form) {
        ComputationGraph g = BinaryXor8Example.network(XOR8, form);
        SplittableRandom rng = new SplittableRandom(0);
        INDArray[] rows = BinaryXor8Example.data(XOR8.batchSz(), XOR8.modalities(), rng);
        SymileLabels labels = new SymileLabels(XOR8.modalities(), NegativeSampling.N, new SplittableRandom(1));
        return () -> g.fit(new MultiDataSet(rows, new INDArray[] {labels.labels(XOR8.batchSz())}));
    }

    /** The process's peak resident set size (VmHWM) in MiB, or -1 where /proc is not available. */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
