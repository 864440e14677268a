package org.symile.app.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.symile.app.CliRunner;

class SweepTest {
    static final String SPACE = """
            experiment: binary_xor
            search: grid
            objective: val_acc
            parameters:
              lr: {type: discrete, values: [0.05, 0.2]}
              loss_fn: {type: discrete, values: [symile, clip]}
            fixed:
              negative_sampling: n
              epochs: 2
              p_hats: [1.0]
              d_v: 2
              d: 8
              train_n: 64
              val_n: 32
              test_n: 32
              batch_sz_train: 16
              batch_sz_val: 16
              batch_sz_test: 16
              use_seed: true
            """;

    @Test
    void gridSweepRecordsEveryTrialAndTheBestReplays(@TempDir Path dir) throws Exception {
        Path space = dir.resolve("space.yaml");
        // clip with an explicit n_squared fails (a bad combination): recorded as failed, the sweep goes on
        Files.writeString(space, SPACE.replace("negative_sampling: n\n", "negative_sampling: n_squared\n"));
        Path out = dir.resolve("sweep");
        CliRunner.Run r = CliRunner.run("sweep", "--experiment", "binary_xor", "--space", space.toString(), "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("sweep_results.csv"));
        assertEquals("trial,lr,loss_fn,val_acc,status,wall_s,run_dir", csv.get(0));
        assertEquals(5, csv.size(), csv.toString());
        long ok = csv.stream().filter(l -> l.contains(",ok,")).count();
        long failed = csv.stream().filter(l -> l.contains("failed:") && l.contains("--negative_sampling")).count();
        assertEquals(2, ok, csv.toString());
        assertEquals(2, failed, csv.toString());
        assertTrue(Files.exists(out.resolve("sweep_lr.png")));
        assertTrue(Files.exists(out.resolve("sweep_loss_fn.png")));

        JsonNode best = new ObjectMapper().readTree(out.resolve("best.json").toFile());
        String command = best.get("command").asText();
        assertTrue(command.startsWith("symile train --experiment binary_xor"), command);
        // replaying the best trial's command gives the same score
        List<String> argv = new ArrayList<>(List.of(command.substring("symile ".length()).split(" ")));
        int at = argv.indexOf("--ckpt_save_dir");
        argv.set(at + 1, dir.resolve("replay").toString());
        CliRunner.Run replay = CliRunner.run(argv.toArray(new String[0]));
        assertEquals(0, replay.code(), replay.err());
        Path run;
        try (var s = Files.list(dir.resolve("replay"))) {
            run = s.findFirst().orElseThrow();
        }
        // the score is the best val_acc of the run's one p_hat
        double replayed = -1;
        for (JsonNode v : new ObjectMapper().readTree(run.resolve("p_hat_1.0/run_info.json").toFile())
                .path("validation_metrics")) {
            replayed = Math.max(replayed, v.path("val_acc").asDouble());
        }
        assertEquals(best.get("score").asDouble(), replayed, 0.0);
        // trial k is the CSV's row k, lives in trials/trial_00k and is named so in best.json
        int k = best.get("trial").asInt();
        String[] row = csv.get(k).split(",");
        assertEquals(String.valueOf(k), row[0]);
        assertEquals("ok", row[4]);
        Path trialDir = out.resolve(String.format("trials/trial_%03d", k));
        assertEquals(trialDir.toString(), best.get("trial_dir").asText());
        assertTrue(row[6].startsWith(trialDir.toString()), row[6]);
        assertTrue(command.contains("--ckpt_save_dir " + trialDir), command);
        assertTrue(Files.readString(trialDir.resolve("command.txt")).startsWith("symile train"));
        assertTrue(Files.notExists(out.resolve("trials/trial_000")), "trials are numbered from 1");
    }

    @Test
    void resumedSweepSkipsFinishedTrials(@TempDir Path dir) throws Exception {
        Path space = dir.resolve("space.yaml");
        Files.writeString(space, SPACE);
        Path out = dir.resolve("sweep");
        assertEquals(0, CliRunner.run("sweep", "--experiment", "binary_xor", "--space", space.toString(), "--out",
                out.toString()).code());
        // forget the last two trials, as if the sweep had been killed after trial 2
        ObjectMapper json = new ObjectMapper();
        ObjectNode state = (ObjectNode) json.readTree(out.resolve("sweep.json").toFile());
        ArrayNode trials = (ArrayNode) state.get("trials");
        while (trials.size() > 2) {
            trials.remove(trials.size() - 1);
        }
        Files.writeString(out.resolve("sweep.json"), json.writeValueAsString(state));
        long before = Files.getLastModifiedTime(out.resolve("trials/trial_001/command.txt")).toMillis();
        Thread.sleep(20);
        CliRunner.Run r = CliRunner.run("sweep", "--resume", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("trials/trial_001/command.txt")).toMillis(),
                "a finished trial is not redone");
        List<String> csv = Files.readAllLines(out.resolve("sweep_results.csv"));
        assertEquals(4, csv.stream().filter(l -> l.contains(",ok,")).count(), csv.toString());
    }
}
