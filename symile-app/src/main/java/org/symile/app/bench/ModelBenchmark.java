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
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.symile.app.experiments.mimic.MimicArchitecture;
import org.symile.app.experiments.mimic.MimicModel;
import org.symile.app.spec.LossFn;
import org.symile.app.spec.LossSpec;
import org.symile.app.spec.OptimizerSpec;
import org.symile.app.train.Batch;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.dl4j.TorchvisionResNet;

/**
 * Times whole training steps of the networks, float32, on random inputs, and reports the process's peak resident
 * memory while they ran ({@code peak_rss_mb}: VmHWM after the timed steps, reset before the first one):
 * <ul>
 *   <li>{@code resnet50_step}, {@code resnet18_step}: torchvision's network on [B, 3, S, S] with a 1000-wide linear
 *       output, mean squared error, one SGD step; the same as {@code bench/pytorch_resnet.py};</li>
 *   <li>{@code mimic_step}: the Symile-MIMIC model (ResNet-50 on [B, 3, S, S], ResNet-18 on [B, 1, T, 12], labs
 *       MLP, width d, AdamW) as {@code train} runs it, with samples/s; the same as {@code bench/pytorch_mimic.py}.</li>
 * </ul>
 */
final class ModelBenchmark {
    /** Benchmarks of whole models. */
    static final List<String> NAMES = List.of("resnet50_step", "resnet18_step", "mimic_step");

    /**
     * @param imageSize        S: side of the (square) image input; 0 for each benchmark's default
     * @param ecgLength        T: ECG samples per lead (mimic_step)
     * @param baseWidth        the ResNets' first-stage width (64 as torchvision)
     * @param negativeSampling Symile's negatives in mimic_step
     */
    record Sizes(int imageSize, int ecgLength, int baseWidth, NegativeSampling negativeSampling) {
        /** The given image size, or the benchmark's default: 224 (ImageNet) for the ResNets, 320 for MIMIC. */
        Sizes forBenchmark(String name) {
            int side = imageSize != 0 ? imageSize : name.equals("mimic_step") ? 320 : 224;
            return new Sizes(side, ecgLength, baseWidth, negativeSampling);
        }
    }

    private ModelBenchmark() {
    }

    static BenchResult run(String name, LossBenchmark.Config c, Sizes sizes) {
        Sizes s = sizes.forBenchmark(name);
        Nd4j.getRandom().setSeed(0);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("image_size", s.imageSize());
        extra.put("base_width", s.baseWidth());
        Runnable body = switch (name) {
            case "resnet50_step", "resnet18_step" -> resnet(name.startsWith("resnet50")
                    ? TorchvisionResNet.Depth.RESNET50 : TorchvisionResNet.Depth.RESNET18, c.b(), s);
            case "mimic_step" -> {
                extra.put("ecg_length", s.ecgLength());
                extra.put("negative_sampling", s.negativeSampling().flag());
                yield mimic(c, s);
            }
            default -> throw new IllegalArgumentException("--only: unknown benchmark '" + name + "'");
        };
        Timing.Stats stats = Timing.measure(body, c.warmup(), c.iters(), c.timeLimitSeconds());
        extra.put("samples_per_s", c.b() / (stats.medianMs() / 1000));
        extra.put("peak_rss_mb", peakRssMb());
        return new BenchResult(name, c.b(), name.equals("mimic_step") ? c.d() : 0, 0, stats, extra);
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

    private static Runnable mimic(LossBenchmark.Config c, Sizes s) {
        MimicArchitecture a = new MimicArchitecture(new long[] {3, s.imageSize(), s.imageSize()},
                new long[] {1, s.ecgLength(), 12}, c.d(), s.baseWidth());
        MimicModel model = new MimicModel(a, new LossSpec(LossFn.SYMILE, s.negativeSampling(), false, -7, false),
                new SplittableRandom(0));
        model.useOptimizer(OptimizerSpec.of(5e-4, 0.2));
        int b = c.b();
        Batch batch = new Batch(Map.of("cxr", Nd4j.randn(DataType.FLOAT, b, 3, s.imageSize(), s.imageSize()),
                "ecg", Nd4j.randn(DataType.FLOAT, b, 1, s.ecgLength(), 12), "labs",
                Nd4j.rand(DataType.FLOAT, b, 100)), b);
        Permutations perms = Permutations.random(new SplittableRandom(1));
        return () -> model.trainStep(batch, perms);
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
