package org.symile.samediff.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.symile.samediff.EagerLoss;
import org.symile.samediff.LossEvaluator;
import org.symile.samediff.LossForm;
import org.symile.samediff.LossGradients;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.Permutations;
import org.symile.samediff.SymileLoss;

class SymileOutputLayerTest {
    private static final int M = 3;
    private static final int D = 3;

    private static ComputationGraph graph(NegativeSampling ns, String lossFn, IUpdater updater, DataType dt) {
        return graph(ns, lossFn, updater, dt, false);
    }

    private static ComputationGraph graph(NegativeSampling ns, String lossFn, IUpdater updater, DataType dt,
                                          boolean cached) {
        return graph(ns, lossFn, updater, dt, cached, LossForm.CLOSED_FORM);
    }

    private static ComputationGraph graph(NegativeSampling ns, String lossFn, IUpdater updater, DataType dt,
                                          boolean cached, LossForm form) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(dt).updater(updater).graphBuilder()
                .addInputs("in0", "in1", "in2")
                .setInputTypes(InputType.feedForward(2), InputType.feedForward(2), InputType.feedForward(2));
        for (int k = 0; k < M; k++) {
            b.addLayer("enc" + k, new DenseLayer.Builder().nIn(2).nOut(D).activation(Activation.TANH).build(),
                    "in" + k);
        }
        b.addVertex("merge", new MergeVertex(), "enc0", "enc1", "enc2");
        b.addLayer("symile", layer(lossFn).numModalities(M).embeddingSize(D)
                .negativeSampling(ns).logitScaleInit(0.2).cachedGradients(cached).lossForm(form)
                .build(), "merge");
        b.setOutputs("symile");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    private static INDArray[] inputs(int rows, long seed, DataType dt) {
        Nd4j.getRandom().setSeed(seed);
        INDArray[] in = new INDArray[M];
        for (int k = 0; k < M; k++) {
            in[k] = Nd4j.rand(dt, rows, 2).subi(0.5);
        }
        return in;
    }

    /**
     * A layer builder for {@code lossFn}; "clip_smoothed" is CLIP with label smoothing 0.2, "symile_smoothed" Symile
     * with smoothing 0.2 and anchors 0 and 2, "clip_anchored" CLIP's pairs holding modality 1, smoothed by 0.1.
     */
    private static SymileOutputLayer.Builder layer(String lossFn) {
        SymileOutputLayer.Builder b = new SymileOutputLayer.Builder();
        return switch (lossFn) {
            case "clip_smoothed" -> b.lossFn("clip").labelSmoothing(0.2);
            case "symile_smoothed" -> b.lossFn("symile").labelSmoothing(0.2).anchors(0, 2);
            case "clip_anchored" -> b.lossFn("clip").labelSmoothing(0.1).anchors(1);
            default -> b.lossFn(lossFn);
        };
    }

    @ParameterizedTest
    @CsvSource({"n,symile,CLOSED_FORM", "n_squared,symile,CLOSED_FORM", "n,clip,CLOSED_FORM", "n,symile,GRAPH",
            "n_squared,symile,GRAPH", "n,clip,GRAPH", "n,clip_smoothed,CLOSED_FORM", "n,clip_smoothed,GRAPH",
            "n,symile_smoothed,CLOSED_FORM", "n,symile_smoothed,GRAPH", "n_squared,symile_smoothed,CLOSED_FORM",
            "n_squared,symile_smoothed,GRAPH", "n,clip_anchored,CLOSED_FORM", "n,clip_anchored,GRAPH",
            "n,gram,CLOSED_FORM", "n,gram,GRAPH", "n,triangle,CLOSED_FORM", "n,triangle,GRAPH"})
    void passesGradientCheckUtil(String ns, String lossFn, LossForm form) {
        NegativeSampling sampling = NegativeSampling.fromFlag(ns);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            check(sampling, ns, lossFn, form);
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private static void check(NegativeSampling sampling, String ns, String lossFn, LossForm form) {
        ComputationGraph g = graph(sampling, lossFn, new NoOp(), DataType.DOUBLE, false, form);
        INDArray labels = new SymileLabels(M, sampling, new SplittableRandom(1)).labels(5).castTo(DataType.DOUBLE);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(inputs(5, 11, DataType.DOUBLE)).labels(new INDArray[] {labels})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-10));
        assertTrue(ok, "GradientCheckUtil failed for " + ns + "/" + lossFn);
    }

    /** With cached gradients the layer's objective is Σ input ⊙ G + log(s)·g: its gradients, checked numerically. */
    @ParameterizedTest
    @EnumSource(LossForm.class)
    void withCachedGradientsPassesGradientCheckUtil(LossForm form) {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph g = graph(NegativeSampling.N, "symile", new NoOp(), DataType.DOUBLE, true, form);
            Nd4j.getRandom().setSeed(4);
            List<INDArray> grads = new ArrayList<>();
            for (int k = 0; k < M; k++) {
                grads.add(Nd4j.randn(DataType.DOUBLE, 5, D));
            }
            INDArray labels = SymileOutputLayer.cachedLabels(grads, -0.7);
            assertEquals(M * D + 1, labels.columns());
            assertEquals(-0.7, labels.getDouble(0, M * D));
            assertEquals(0.0, labels.getDouble(1, M * D));
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(inputs(5, 12, DataType.DOUBLE)).labels(new INDArray[] {labels})
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-10));
            assertTrue(ok, "GradientCheckUtil failed with cached gradients");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    /**
     * Cached gradients G = ∂L/∂r and g = ∂L/∂log(s) of the loss over the batch, computed eagerly, back-propagate to
     * the parameter gradients the loss layer itself gives (DL4J's summed convention: B times the batch mean's).
     */
    @ParameterizedTest
    @CsvSource({"n,symile", "n_squared,symile", "n,clip"})
    void cachedGradientsBackpropagateAsTheLoss(String ns, String lossFn) {
        NegativeSampling sampling = NegativeSampling.fromFlag(ns);
        ComputationGraph plain = graph(sampling, lossFn, new NoOp(), DataType.DOUBLE);
        ComputationGraph cached = graph(sampling, lossFn, new NoOp(), DataType.DOUBLE, true);
        assertEquals(plain.params(), cached.params());
        int rows = 6;
        INDArray[] in = inputs(rows, 9, DataType.DOUBLE);
        INDArray labels = new SymileLabels(M, sampling, new SplittableRandom(3)).labels(rows).castTo(DataType.DOUBLE);
        plain.setInputs(in);
        plain.setLabels(labels);
        plain.computeGradientAndScore();
        INDArray expected = plain.getFlattenedGradients().dup().divi(rows);

        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < M; k++) {
            reps.add(cached.feedForward(in, false).get("enc" + k));
        }
        int[][][] perms = new int[M][M - 1][rows];
        if (sampling == NegativeSampling.N && lossFn.equals("symile")) {
            for (int a = 0; a < M; a++) {
                for (int k = 0; k < M - 1; k++) {
                    for (int i = 0; i < rows; i++) {
                        perms[a][k][i] = labels.getInt(i, a * (M - 1) + k);
                    }
                }
            }
        }
        EagerLoss eager = lossFn.equals("clip") ? EagerLoss.clip() : EagerLoss.symile(SymileLoss.Config.of(sampling));
        LossGradients lg = eager.compute(reps, 0.2, Permutations.fixed(perms));
        assertEquals(plain.score(), lg.loss(), 1e-10);
        cached.setInputs(in);
        cached.setLabels(SymileOutputLayer.cachedLabels(lg.gradients(), lg.gradLogScale()));
        cached.computeGradientAndScore();
        INDArray got = cached.getFlattenedGradients();
        assertEquals(0, expected.sub(got).amaxNumber().doubleValue(), 1e-12);
    }

    /**
     * The eager layer (the default) and the SameDiff graph form agree in DOUBLE to 1e-12: the score, the flat
     * gradients (encoders and log-scale), the cached-gradients objective, and the parameters after three Adam steps
     * of {@code fit}; also with M = 4 and d = 5 for O(N).
     */
    @ParameterizedTest
    @CsvSource({"n,symile,false,3", "n_squared,symile,false,3", "n,clip,false,3", "n,symile,true,3",
            "n,symile,false,4", "n,clip,false,4", "n,clip_smoothed,false,3", "n,symile_smoothed,false,3",
            "n_squared,symile_smoothed,false,3", "n,clip_anchored,false,4", "n,gram,false,3", "n,gram,false,4",
            "n,triangle,false,3"})
    void theEagerLayerEqualsTheGraphForm(String ns, String lossFn, boolean cached, int m) {
        NegativeSampling sampling = NegativeSampling.fromFlag(ns);
        ComputationGraph eager = wideGraph(m, sampling, lossFn, cached, LossForm.CLOSED_FORM);
        ComputationGraph graph = wideGraph(m, sampling, lossFn, cached, LossForm.GRAPH);
        assertEquals(graph.params(), eager.params());
        int rows = 7;
        Nd4j.getRandom().setSeed(31);
        INDArray[] in = new INDArray[m];
        for (int k = 0; k < m; k++) {
            in[k] = Nd4j.rand(DataType.DOUBLE, rows, 2).subi(0.5);
        }
        SplittableRandom r = new SplittableRandom(6);
        for (int step = 0; step < 3; step++) {
            INDArray labels;
            if (cached) {
                List<INDArray> g = new ArrayList<>();
                for (int k = 0; k < m; k++) {
                    g.add(Nd4j.randn(DataType.DOUBLE, rows, 5));
                }
                labels = SymileOutputLayer.cachedLabels(g, r.nextDouble() - 0.5);
            } else {
                labels = new SymileLabels(m, sampling, r).labels(rows).castTo(DataType.DOUBLE);
            }
            for (ComputationGraph net : List.of(eager, graph)) {
                net.setInputs(in);
                net.setLabels(labels);
                net.computeGradientAndScore();
            }
            assertEquals(graph.score(), eager.score(), 1e-12 * Math.max(1, Math.abs(graph.score())));
            assertEquals(0, graph.getFlattenedGradients().sub(eager.getFlattenedGradients()).amaxNumber()
                    .doubleValue(), 1e-12);
            MultiDataSet batch = new MultiDataSet(in, new INDArray[] {labels});
            assertEquals(graph.score(batch), eager.score(batch), 1e-12 * Math.max(1, Math.abs(graph.score())));
            eager.fit(batch);
            graph.fit(batch);
            assertEquals(0, graph.params().sub(eager.params()).amaxNumber().doubleValue(), 1e-12);
        }
    }

    private static ComputationGraph wideGraph(int m, NegativeSampling ns, String lossFn, boolean cached,
                                              LossForm form) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.DOUBLE).updater(new Adam(0.05)).weightDecay(0.01, true).graphBuilder();
        String[] enc = new String[m];
        for (int k = 0; k < m; k++) {
            b.addInputs("in" + k);
            enc[k] = "enc" + k;
            b.addLayer(enc[k], new DenseLayer.Builder().nIn(2).nOut(5).activation(Activation.TANH).build(),
                    "in" + k);
        }
        InputType[] types = new InputType[m];
        java.util.Arrays.fill(types, InputType.feedForward(2));
        b.setInputTypes(types);
        b.addVertex("merge", new MergeVertex(), enc);
        b.addLayer("symile", layer(lossFn).numModalities(m).embeddingSize(5).negativeSampling(ns)
                .logitScaleInit(0.3).cachedGradients(cached).lossForm(form).build(), "merge");
        b.setOutputs("symile");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

    @Test
    void scoreIsTheSymileLossOfTheEmbeddings() {
        ComputationGraph g = graph(NegativeSampling.N, "symile", new NoOp(), DataType.DOUBLE);
        INDArray[] in = inputs(6, 5, DataType.DOUBLE);
        SymileLabels source = new SymileLabels(M, NegativeSampling.N, new SplittableRandom(8));
        INDArray labels = source.labels(6).castTo(DataType.DOUBLE);
        double score = g.score(new MultiDataSet(in, new INDArray[] {labels}));

        List<INDArray> reps = new ArrayList<>();
        for (int k = 0; k < M; k++) {
            reps.add(g.feedForward(in, false).get("enc" + k));
        }
        int[][][] perms = new int[M][M - 1][6];
        for (int a = 0; a < M; a++) {
            for (int k = 0; k < M - 1; k++) {
                for (int i = 0; i < 6; i++) {
                    perms[a][k][i] = labels.getInt(i, a * (M - 1) + k);
                }
            }
        }
        double expected = LossEvaluator.symile(SymileLoss.Config.of(NegativeSampling.N), DataType.DOUBLE)
                .loss(reps, 0.2, Permutations.fixed(perms));
        assertEquals(expected, score, 1e-10);
    }

    @Test
    void trainsOnCorrelatedModalities() {
        ComputationGraph g = graph(NegativeSampling.N, "symile", new Adam(0.05), DataType.FLOAT);
        SymileLabels source = new SymileLabels(M, NegativeSampling.N, new SplittableRandom(2));
        Nd4j.getRandom().setSeed(21);
        INDArray z = Nd4j.rand(DataType.FLOAT, 64, 2).subi(0.5);
        INDArray[] in = new INDArray[M];
        for (int k = 0; k < M; k++) {
            in[k] = z.add(Nd4j.randn(DataType.FLOAT, 64, 2).muli(0.05));
        }
        MultiDataSet fixedEval = new MultiDataSet(in, new INDArray[] {source.labels(64)});
        double before = g.score(fixedEval);
        for (int it = 0; it < 150; it++) {
            MultiDataSet batch = new MultiDataSet(in, new INDArray[] {null});
            source.preProcess(batch);
            g.fit(batch);
        }
        double after = g.score(fixedEval);
        assertTrue(after < before - 0.5, "loss before " + before + ", after " + after);
        assertTrue(g.getParam("symile_" + SymileOutputLayer.LOGIT_SCALE).getDouble(0) != 0.2,
                "the log-scale is trained");
    }

    @Test
    void configSurvivesJson() {
        ComputationGraph g = graph(NegativeSampling.N_SQUARED, "symile", new NoOp(), DataType.FLOAT);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        SymileOutputLayer layer = (SymileOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                back.getVertices().get("symile")).getLayerConf().getLayer();
        assertEquals(M, layer.getNumModalities());
        assertEquals(D, layer.getEmbeddingSize());
        assertEquals("n_squared", layer.getNegativeSampling());
        assertEquals(0.2, layer.getLogitScaleInit(), 0.0);
        ComputationGraph c = graph(NegativeSampling.N, "clip", new NoOp(), DataType.FLOAT, true);
        SymileOutputLayer cached = (SymileOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                ComputationGraphConfiguration.fromJson(c.getConfiguration().toJson()).getVertices().get("symile"))
                .getLayerConf().getLayer();
        assertTrue(cached.isCachedGradients());
        assertTrue(!layer.isCachedGradients());
        assertEquals(LossForm.CLOSED_FORM, layer.getLossForm());
        ComputationGraph graphForm = graph(NegativeSampling.N, "symile", new NoOp(), DataType.FLOAT, false,
                LossForm.GRAPH);
        String json = graphForm.getConfiguration().toJson();
        SymileOutputLayer back2 = (SymileOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                ComputationGraphConfiguration.fromJson(json).getVertices().get("symile")).getLayerConf().getLayer();
        assertEquals(LossForm.GRAPH, back2.getLossForm());
        // a configuration saved before the field existed gets the eager form
        String old = json.replace("\"lossForm\" : \"GRAPH\",", "");
        assertTrue(old.length() < json.length(), "the field was removed from " + json);
        SymileOutputLayer back3 = (SymileOutputLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex)
                ComputationGraphConfiguration.fromJson(old).getVertices().get("symile")).getLayerConf().getLayer();
        assertEquals(LossForm.CLOSED_FORM, back3.getLossForm());
    }

    @Test
    void builderRejectsBadSettings() {
        assertThrows(IllegalArgumentException.class,
                () -> new SymileOutputLayer.Builder().numModalities(1).embeddingSize(4).build());
        assertThrows(IllegalArgumentException.class,
                () -> new SymileOutputLayer.Builder().embeddingSize(0).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SymileOutputLayer.Builder().embeddingSize(4).lossFn("triplet").build());
        assertTrue(e.getMessage().contains("triplet"));
        e = assertThrows(IllegalArgumentException.class, () -> new SymileOutputLayer.Builder().numModalities(4)
                .embeddingSize(4).lossFn("triangle").build());
        assertEquals("--loss_fn triangle: defined for exactly 3 modalities, got M = 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SymileOutputLayer.Builder().embeddingSize(4)
                .lossFn("gram").anchors(3).build());
        assertTrue(e.getMessage().startsWith("--anchors"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SymileOutputLayer.Builder().embeddingSize(4)
                .labelSmoothing(-0.1).build());
        assertTrue(e.getMessage().contains("label smoothing must be in [0, 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SymileOutputLayer.Builder().embeddingSize(4)
                .lossFn("clip").anchors(3).build());
        assertTrue(e.getMessage().startsWith("--anchors"), e.getMessage());
        SymileOutputLayer symile = new SymileOutputLayer.Builder().embeddingSize(4).labelSmoothing(0.1).anchors(1)
                .build();
        assertEquals(0.1, symile.getLabelSmoothing());
        assertEquals(1, symile.getAnchors()[0]);
        e = assertThrows(IllegalArgumentException.class, () -> new SymileOutputLayer.Builder().embeddingSize(4)
                .lossFn("clip").labelSmoothing(1.0).build());
        assertTrue(e.getMessage().contains("label smoothing must be in [0, 1)"), e.getMessage());
        assertEquals(0.0, new SymileOutputLayer.Builder().embeddingSize(4).lossFn("clip").build().getLabelSmoothing());
        SymileOutputLayer gram = new SymileOutputLayer.Builder().embeddingSize(4).lossFn("gram").anchors(2).build();
        assertEquals(0.1, gram.getLabelSmoothing());
        SymileOutputLayer back = (SymileOutputLayer) org.deeplearning4j.nn.conf.NeuralNetConfiguration
                .fromJson(new NeuralNetConfiguration.Builder().layer(gram).build().toJson()).getLayer();
        assertEquals("gram", back.getLossFn());
        assertEquals(0.1, back.getLabelSmoothing());
        assertEquals(2, back.getAnchors()[0]);
    }
}
