package org.symile.app.experiments;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.experiments.m3.M3Upstream;
import org.symile.app.experiments.mimic.MimicUpstream;
import org.symile.app.run.Checkpoint;
import org.symile.app.run.ModelSource;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.spec.TrainFlags;
import org.symile.data.TensorSource;
import org.symile.data.TorchFile;

/**
 * Reads a trained model's file, whichever wrote it: a symile checkpoint ({@code meta.json} and ND4J arrays), or a
 * checkpoint of upstream's PyTorch Lightning code (a torch.save archive holding {@code state_dict} and
 * {@code hyper_parameters}) of symile_m3 or symile_mimic. An upstream file is read without running pickle code
 * (Lightning's classes become inert data); its experiment is recognised from its parameter names, its train flags
 * are taken from {@code hyper_parameters} (keys that are not flags of this project are skipped and logged), and
 * its parameters are mapped by {@link M3Upstream} or {@link MimicUpstream}.
 */
public final class ModelFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFiles.class);

    private ModelFiles() {
    }

    /**
     * @throws IllegalArgumentException naming the file (as {@code --ckpt_path}) when it is missing, unreadable,
     *                                  of neither kind, or does not fit the experiment's model
     */
    public static ModelSource read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--ckpt_path: no such checkpoint file: " + file);
        }
        boolean symile;
        try {
            symile = Checkpoint.isCheckpoint(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--ckpt_path " + file + ": neither a symile checkpoint nor a torch.save"
                    + " archive (not a readable zip file: " + e.getMessage() + ")", e);
        }
        return symile ? ModelSource.of(file, Checkpoint.read(file)) : upstream(file);
    }

    private static ModelSource upstream(Path file) {
        String source = "--ckpt_path " + file;
        try (TorchFile f = TorchFile.openAny(file)) {
            if (!(f.root() instanceof Map<?, ?> root) || !(root.get("state_dict") instanceof Map<?, ?> raw)) {
                throw new IllegalArgumentException(source + ": a torch.save archive without a state_dict, neither a"
                        + " symile checkpoint nor a Lightning checkpoint");
            }
            Map<String, TensorSource> state = new LinkedHashMap<>();
            raw.forEach((k, v) -> {
                if (v instanceof TensorSource t) {
                    state.put(String.valueOf(k), t);
                }
            });
            Map<?, ?> hp = root.get("hyper_parameters") instanceof Map<?, ?> h ? h : Map.of();
            ExperimentKind kind = kind(state, hp, source);
            RunSpec spec = spec(kind, hp, source);
            LOG.info("{}: upstream {} checkpoint (epoch {}, Lightning {}), {} tensors in state_dict", source,
                    kind.flag(), root.get("epoch"), root.get("pytorch-lightning_version"), state.size());
            return switch (kind) {
                case SYMILE_M3 -> M3Upstream.read(file, spec, state, hp);
                case SYMILE_MIMIC -> MimicUpstream.read(file, spec, state);
                case BINARY_XOR, CUSTOM -> throw new IllegalStateException("unreachable: upstream has no " + kind);
            };
        }
    }

    /** The experiment of an upstream state dict, from its encoders' names, checked against hyper_parameters. */
    private static ExperimentKind kind(Map<String, TensorSource> state, Map<?, ?> hp, String source) {
        boolean m3 = state.keySet().stream().anyMatch(k -> k.startsWith("audio_encoder."));
        boolean mimic = state.keySet().stream().anyMatch(k -> k.startsWith("cxr_encoder."));
        if (m3 == mimic) {
            throw new IllegalArgumentException(source + ": the state_dict holds " + (m3 ? "both" : "neither")
                    + " upstream's Symile-M3 encoders (audio_encoder.*) " + (m3 ? "and" : "nor")
                    + " its Symile-MIMIC encoders (cxr_encoder.*)");
        }
        ExperimentKind kind = m3 ? ExperimentKind.SYMILE_M3 : ExperimentKind.SYMILE_MIMIC;
        Object named = hp.get("experiment");
        if (named != null && !kind.flag().equals(String.valueOf(named))) {
            throw new IllegalArgumentException(source + ": hyper_parameters say experiment " + named
                    + ", but the state_dict holds " + kind.flag() + " parameters");
        }
        return kind;
    }

    /** Train flags of {@code kind} among the hyper-parameters, validated as a run. */
    private static RunSpec spec(ExperimentKind kind, Map<?, ?> hp, String source) {
        Map<String, String> flags = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        hp.forEach((k, v) -> {
            String name = String.valueOf(k);
            TrainFlags.Flag flag = TrainFlags.get(name);
            if (flag == null || (flag.only() != null && flag.only() != kind) || v == null
                    || v instanceof Map<?, ?> || v instanceof List<?>) {
                skipped.add(name);
            } else {
                flags.put(name, v instanceof Boolean b ? (b ? "True" : "False") : String.valueOf(v));
            }
        });
        flags.put("experiment", kind.flag());
        if (kind == ExperimentKind.SYMILE_M3 && !"True".equals(flags.get("missingness"))) {
            flags.remove("missingness_prob"); // upstream records its default (0.0) even without missingness
        }
        if (!skipped.isEmpty()) {
            LOG.info("{}: hyper_parameters not used (not train flags of {}): {}", source, kind.flag(), skipped);
        }
        try {
            return RunSpec.fromFlags(flags);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": hyper_parameters do not form a valid " + kind.flag()
                    + " run: " + e.getMessage(), e);
        }
    }
}
