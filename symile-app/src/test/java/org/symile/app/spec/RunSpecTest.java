package org.symile.app.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.symile.samediff.NegativeSampling;

class RunSpecTest {

    /** {@code "--a", "1", "--b", "x"} as flags. */
    static RunSpec parse(String... args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            flags.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return RunSpec.fromFlags(flags);
    }

    @Test
    void binaryXorDefaultsAreUpstreamScripts() {
        RunSpec a = parse("--experiment", "binary_xor");
        assertEquals(ExperimentKind.BINARY_XOR, a.experiment());
        assertEquals(5, a.xor().dV());
        assertEquals(16, a.xor().d());
        TrainerSpec t = a.trainer();
        assertEquals(List.of(1000, 1000, 1000), List.of(t.batchSzTrain(), t.batchSzVal(), t.batchSzTest()));
        assertEquals(100, t.epochs());
        assertEquals(0.1, a.optimizer().lr(), 0.0);
        assertEquals(0.01, a.optimizer().weightDecay(), 0.0);
        assertEquals(-0.3, a.loss().logitScaleInit(), 0.0);
        assertEquals(NegativeSampling.N, a.loss().negativeSampling());
        assertEquals(List.of(10_000, 1_000, 5_000), List.of(a.xor().trainN(), a.xor().valN(), a.xor().testN()));
        assertEquals(0, a.seed());
        assertFalse(a.useSeed());
        assertEquals(LossFn.SYMILE, a.loss().lossFn());
        assertEquals(XorSpec.defaultPHats(), a.xor().pHats());
        assertEquals(1.0, a.xor().pHats().get(10), 0.0);
        assertFalse(a.xor().bootstrap());
        assertEquals(10, a.xor().bootstrapN());
        assertEquals(Path.of("ckpts"), a.ckptSaveDir());
    }

    @Test
    void experimentDefaultsForM3AndMimic() {
        RunSpec m3 = parse("--experiment", "symile_m3", "--data_dir", "x");
        assertEquals(List.of(256, 8192, 24), List.of(m3.trainer().batchSzTrain(), m3.m3().d(), m3.trainer().epochs()));
        assertEquals(1e-4, m3.optimizer().lr(), 0.0);
        assertEquals(List.of(64, 4, 256), List.of(m3.m3().textHidden(), m3.m3().textHeads(),
                m3.m3().textIntermediate()));
        RunSpec miss = parse("--experiment", "symile_m3", "--data_dir", "x", "--missingness", "True",
                "--missingness_prob", "0.7");
        assertEquals(1e-5, miss.optimizer().lr(), 0.0);
        assertEquals(0.001, miss.optimizer().weightDecay(), 0.0);
        assertEquals(0.7, miss.m3().trainingMissingness(), 0.0);
        RunSpec mimic = parse("--experiment", "symile_mimic", "--data_dir", "x");
        assertEquals(NegativeSampling.N_SQUARED, mimic.loss().negativeSampling());
        assertEquals(List.of(280, 256, 80), List.of(mimic.trainer().batchSzTrain(), mimic.trainer().batchSzTest(),
                mimic.trainer().epochs()));
        assertEquals(-7.0, mimic.loss().logitScaleInit(), 0.0);
        assertEquals(64, mimic.mimic().resnetBaseWidth());
    }

    @ParameterizedTest
    @CsvSource({"True,true", "false,false", "YES,true", "n,false", "1,true", "0,false", "t,true", "F,false"})
    void booleansAcceptUpstreamSpellings(String value, boolean expected) {
        assertEquals(expected, parse("--experiment", "binary_xor", "--use_seed", value).useSeed());
    }

    /** A spec survives its JSON form (checkpoints, run_info.json) and its command line unchanged. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--experiment binary_xor --p_hats 0.1,0.25,1.0 --bootstrap True --seed -3 --use_seed True --lr 0.05",
            "--experiment binary_xor --loss_fn clip --limit_train_batches 3 --drop_last yes --wandb_run_id abc",
            "--experiment symile_m3 --data_dir /d --missingness True --missingness_prob 0.65 --num_langs 10"
                    + " --text_embedding bos --translations_path /t.json --metadata_filename meta.json --lr 1e-6",
            "--experiment symile_m3 --data_dir /d --text_model_id xlm-roberta-large --freeze_logit_scale True",
            "--experiment symile_mimic --data_dir /d --negative_sampling n_squared"
                    + " --resnet_base_width 8 --ckpt_path /c/last.ckpt --weight_decay 0",
            "--experiment symile_m3 --data_dir /d --negative_sampling n_squared --memory_lean True",
            "--experiment symile_mimic --data_dir /d --batch_sz_train 280 --micro_batch_sz 28",
            "--experiment binary_xor --loss_fn gram",
            "--experiment symile_m3 --data_dir /d --loss_fn gram --anchors text --logit_scale_init 2.659",
            "--experiment symile_mimic --data_dir /d --loss_fn triangle --anchors cxr,labs --label_smoothing 0",
            "--experiment binary_xor --loss_fn clip --label_smoothing 0.1",
            "--experiment binary_xor --label_smoothing 0.1 --anchors a,c",
            "--experiment symile_mimic --data_dir /d --loss_fn clip --anchors ecg",
            "--experiment symile_m3 --data_dir /d --negative_sampling n_squared --label_smoothing 0.2 --anchors text",
            "--experiment custom --data_dir /d --modalities a,b,c --hidden_dims none --target_modality b",
            "--experiment custom --data_dir /d --modalities x,y --hidden_dims 64,32 --loss_fn clip --anchors x"})
    void roundTripsThroughJsonAndCommandLine(String line) {
        RunSpec spec = parse(line.split(" "));
        assertEquals(spec, RunSpec.fromJson(spec.toJson(), "test"));
        assertEquals(spec, parse(spec.toCommandLine().toArray(new String[0])));
        assertEquals(spec, spec.with(Map.of()));
    }

    @Test
    void jsonUsesFlagNamesAndJsonTypes() {
        var json = parse("--experiment", "binary_xor", "--p_hats", "0.5,1.0", "--use_seed", "True").toJson();
        assertTrue(json.path("use_seed").isBoolean());
        assertTrue(json.path("p_hats").isArray());
        assertEquals(1000, json.path("batch_sz_train").asInt());
        assertEquals("symile", json.path("loss_fn").asText());
        assertFalse(json.has("data_dir"), "null values are left out");
        assertFalse(json.has("resnet_base_width"), "only this experiment's flags");
    }

    @Test
    void clipRecordsNoNegativeSamplingAndRefusesAnExplicitNSquared() {
        assertEquals(NegativeSampling.N, parse("--experiment", "symile_mimic", "--data_dir", "x", "--loss_fn", "clip")
                .loss().negativeSampling());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--experiment",
                "binary_xor", "--loss_fn", "clip", "--negative_sampling", "n_squared"));
        assertTrue(e.getMessage().startsWith("--negative_sampling"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--experiment binary_xor --limit_train_batches 1.5|--limit_train_batches",
            "--experiment binary_xor --limit_val_batches -1|--limit_val_batches",
            "--experiment binary_xor --batch_sz_train -5|--batch_sz_train",
            "--experiment binary_xor --batch_sz_train 1|--batch_sz_train",
            "--experiment binary_xor --lr abc|--lr",
            "--experiment binary_xor --lr 0|--lr",
            "--experiment binary_xor --weight_decay -1|--weight_decay",
            "--experiment binary_xor --d_v 17|--d_v",
            "--experiment binary_xor --p_hats 0.5,1.5|--p_hats",
            "--experiment binary_xor --p_hats 0.5,0.5|--p_hats",
            "--experiment binary_xor --p_hat_workers -1|--p_hat_workers",
            "--experiment binary_xor --resnet_base_width 8|--resnet_base_width",
            "--experiment binary_xor --memory_lean True|--memory_lean",
            "--experiment symile_mimic --data_dir x --negative_sampling n_squared --memory_lean True|--memory_lean",
            "--experiment binary_xor --use_seed maybe|--use_seed",
            "--experiment binary_xor --negative_sampling n_cubed|--negative_sampling",
            "--experiment binary_xor --no_such_flag 3|--no_such_flag",
            "--experiment binary_xor --logit_scale_init NaN|--logit_scale_init",
            "--experiment nope|--experiment",
            "--experiment symile_m3|--data_dir",
            "--experiment symile_m3 --data_dir x --missingness True|--missingness_prob",
            "--experiment symile_m3 --data_dir x --missingness_prob 0.4|--missingness_prob",
            "--experiment symile_m3 --data_dir x --num_langs 3|--num_langs",
            "--experiment symile_m3 --data_dir x --text_embedding cls|--text_embedding",
            "--experiment symile_m3 --data_dir x --text_hidden 30 --text_heads 4|--text_heads",
            "--experiment symile_m3 --data_dir x --text_model_id m --text_hidden 30|--text_hidden",
            "--experiment symile_mimic --data_dir x --pretrained True --resnet_base_width 8|--resnet_base_width",
            "--experiment binary_xor --micro_batch_sz -1|--micro_batch_sz",
            "--experiment binary_xor --micro_batch_sz 1001|--micro_batch_sz 1001",
            "--experiment symile_mimic --data_dir x --micro_batch_sz 1|--micro_batch_sz 1",
            "--experiment symile_m3 --data_dir x --micro_batch_sz many|--micro_batch_sz",
            "--experiment symile_m3 --data_dir x --text_dropout 1.0|--text_dropout",
            "--experiment symile_mimic --data_dir x --text_dropout 0.1|--text_dropout",
            "--experiment symile_m3 --data_dir x --text_dropout 0.1 --spark_master local[2] --spark_negatives global|--text_dropout 0.1",
            "--experiment binary_xor --loss_fn gram --d 2|--loss_fn gram",
            "--experiment binary_xor --loss_fn gram --anchors text|--anchors",
            "--experiment binary_xor --loss_fn gram --anchors a,a|--anchors",
            "--experiment binary_xor --loss_fn triangle --label_smoothing 1|--label_smoothing",
            "--experiment binary_xor --loss_fn gram --label_smoothing -0.1|--label_smoothing",
            "--experiment binary_xor --label_smoothing 1.5|--label_smoothing",
            "--experiment binary_xor --anchors text|--anchors",
            "--experiment binary_xor --anchors b,b|--anchors",
            "--experiment binary_xor --loss_fn clip --anchors image|--anchors",
            "--experiment binary_xor --loss_fn clip --label_smoothing 1|--label_smoothing",
            "--experiment binary_xor --val_n 500|--val_n: 500 samples make no whole batch of --batch_sz_val 1000",
            "--experiment binary_xor --test_n 64 --batch_sz_test 100|--test_n",
            "--experiment binary_xor --loss_fn gram --negative_sampling n_squared|--negative_sampling",
            "--experiment binary_xor --loss_fn volume|--loss_fn",
            "--experiment binary_xor --loss_fn gram --batch_sz_train 1|--batch_sz_train",
            "--experiment custom --data_dir /d|--modalities",
            "--experiment custom --data_dir /d --modalities a|--modalities",
            "--experiment custom --data_dir /d --modalities a,a|--modalities",
            "--experiment custom --data_dir /d --modalities a_b,c|--modalities",
            "--experiment custom --data_dir /d --modalities a,b --target_modality z|--target_modality",
            "--experiment custom --data_dir /d --modalities a,b --hidden_dims 0|--hidden_dims",
            "--experiment custom --data_dir /d --modalities a,b --hidden_dims x|--hidden_dims",
            "--experiment custom --modalities a,b|--data_dir",
            "--experiment binary_xor --modalities a,b|--modalities",
            "--experiment custom --data_dir /d --modalities a,b --anchors c|--anchors",
            "--experiment custom --data_dir /d --modalities a,b --loss_fn triangle|--loss_fn triangle",
            "--d 3|--experiment"})
    void invalidValuesAreRefusedNamingTheFlag(String line, String flag) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(line.split(" ")));
        assertTrue(e.getMessage().startsWith(flag), e.getMessage());
    }

    /** GRAM and TRIANGLE default to their official smoothing and every anchor; both are recorded, by name. */
    @Test
    void tupleObjectivesRecordTheirSmoothingAndAnchors() {
        RunSpec gram = parse("--experiment", "symile_m3", "--data_dir", "d", "--loss_fn", "gram");
        assertEquals(0.1, gram.loss().labelSmoothing(), 0.0);
        assertEquals(List.of(), gram.loss().anchors());
        assertEquals(0.1, gram.toJson().get("label_smoothing").asDouble(), 0.0);
        assertEquals("all", gram.toJson().get("anchors").asText());
        RunSpec one = parse("--experiment", "symile_m3", "--data_dir", "d", "--loss_fn", "triangle", "--anchors",
                "text", "--label_smoothing", "0.05");
        assertEquals("text", one.toJson().get("anchors").asText());
        assertArrayEquals(new int[] {2}, one.loss().anchorIndices(ExperimentKind.SYMILE_M3.modalities()));
        assertEquals(0.0, parse("--experiment", "binary_xor").loss().labelSmoothing(), 0.0);
        assertEquals(0.0, parse("--experiment", "binary_xor", "--loss_fn", "gram", "--label_smoothing", "0")
                .loss().labelSmoothing(), 0.0);
        assertEquals(0.0, parse("--experiment", "binary_xor", "--loss_fn", "clip").loss().labelSmoothing(), 0.0);
        RunSpec clip = parse("--experiment", "binary_xor", "--loss_fn", "clip", "--label_smoothing", "0.2");
        assertEquals(0.2, clip.loss().labelSmoothing(), 0.0);
        assertEquals(0.2, clip.toJson().get("label_smoothing").asDouble(), 0.0);
    }

    /** 0 (the default) is not recorded, so plain runs record exactly what they did before the flag existed. */
    @Test
    void microBatchesAreRecordedOnlyWhenUsed() {
        RunSpec plain = parse("--experiment", "binary_xor");
        assertEquals(0, plain.trainer().microBatchSz());
        assertTrue(!plain.toJson().has("micro_batch_sz"), plain.toJson().toString());
        RunSpec cached = parse("--experiment", "binary_xor", "--micro_batch_sz", "250");
        assertEquals(250, cached.toJson().get("micro_batch_sz").asInt());
        assertEquals(250, cached.trainer().microBatchSz());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--experiment", "binary_xor", "--micro_batch_sz", "2000"));
        assertEquals("--micro_batch_sz 2000: more rows than the batch it encodes (--batch_sz_train 1000); give at most"
                + " 1000", e.getMessage());
    }

    @Test
    void recordedArgumentsThatNoLongerFormARunNameTheSource() {
        var json = parse("--experiment", "binary_xor").toJson().put("lr", -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunSpec.fromJson(json, "last.ckpt"));
        assertTrue(e.getMessage().startsWith("last.ckpt") && e.getMessage().contains("--lr"), e.getMessage());
    }

    @Test
    void everyFlagHasHelpAndBelongsToAtMostOneExperiment() {
        for (TrainFlags.Flag f : TrainFlags.all()) {
            assertTrue(f.description().length() > 10, f.name());
            assertNull(TrainFlags.get("--" + f.name()));
        }
        assertTrue(TrainFlags.get("batch_sz_train").description().contains("[1000 / 256 / 280 / 256]"),
                TrainFlags.get("batch_sz_train").description());
        assertTrue(TrainFlags.get("lr").description().contains("1.0E-5 with missingness")
                || TrainFlags.get("lr").description().contains("1e-05 with missingness"),
                TrainFlags.get("lr").description());
    }
}
