package org.symile.app.experiments.custom;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.symile.app.run.CheckpointPolicy;
import org.symile.app.run.Encodings;
import org.symile.app.run.Experiment;
import org.symile.app.run.Json;
import org.symile.app.run.Split;
import org.symile.app.spec.CustomSpec;
import org.symile.app.spec.ExperimentKind;
import org.symile.app.spec.RunSpec;
import org.symile.app.train.BatchSource;
import org.symile.app.train.IteratorBatches;
import org.symile.app.train.MappedBatches;
import org.symile.data.SplitTensors;
import org.symile.data.TensorBatchIterator;
import org.symile.data.custom.CustomLayout;

/**
 * {@code --experiment custom}: the modalities of {@code --modalities} read from {@code --data_dir}'s
 * {@code train}, {@code val} and {@code test} splits ({@link CustomLayout}), the {@link CustomModel}, and zero-shot
 * retrieval of {@code --target_modality} among each {@code --batch_sz_test} block's candidates as {@code val_acc}
 * and {@code test_acc} (with recall@1/5/10 and the mean rank). The data directory is checked whole before a run
 * starts: every problem of every split in one message. The checkpoint with the lowest validation loss is kept.
 */
public final class CustomExperiment implements Experiment<CustomModel> {
    private static final Logger LOG = LoggerFactory.getLogger(CustomExperiment.class);
    private static final Map<Split, String> NAMES = Map.of(Split.TRAIN, "train", Split.VAL, "val", Split.TEST,
            "test");

    private final RunSpec spec;
    private final CustomArchitecture architecture;
    private final Map<Split, SplitTensors> splits;

    private CustomExperiment(RunSpec spec, CustomArchitecture architecture, Map<Split, SplitTensors> splits) {
        this.spec = spec;
        this.architecture = architecture;
        this.splits = splits;
    }

    /**
     * Checks the data directory (the wanted splits, and at training time the test split too when it exists) and
     * opens the wanted splits.
     *
     * @param recorded a checkpoint's architecture, or null to derive it from the data
     * @throws IllegalArgumentException listing every problem with the data, or naming what does not fit the model
     */
    public static CustomExperiment open(RunSpec spec, JsonNode recorded, Set<Split> wanted) {
        CustomSpec c = spec.custom();
        Path dir = spec.dataDir();
        List<String> check = new ArrayList<>();
        for (Split s : Split.values()) {
            boolean extraTest = s == Split.TEST && wanted.contains(Split.TRAIN)
                    && Files.isDirectory(dir.resolve(NAMES.get(s)));
            if (wanted.contains(s) || extraTest) {
                check.add(NAMES.get(s));
            }
        }
        List<CustomLayout.Modality> found = CustomLayout.check(dir, c.modalities(), check);
        CustomArchitecture a;
        if (recorded != null) {
            a = Json.read(recorded, CustomArchitecture.class, "--ckpt_path " + spec.ckptPath() + " (architecture)");
            if (!a.names().equals(c.modalities())) {
                throw new IllegalArgumentException("--modalities " + String.join(",", c.modalities()) + ": the"
                        + " checkpoint's model has " + String.join(",", a.names()));
            }
            a.checkFits(found, "--data_dir " + dir);
        } else {
            a = CustomArchitecture.of(c.d(), c.hiddenDims(), found);
        }
        Map<Split, SplitTensors> open = new EnumMap<>(Split.class);
        for (Split s : wanted) {
            open.put(s, SplitTensors.open(dir, NAMES.get(s)));
        }
        if (wanted.contains(Split.TRAIN) && wanted.contains(Split.VAL)) {
            StringBuilder sb = new StringBuilder();
            for (CustomArchitecture.Encoder e : a.encoders()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(e.name()).append(' ').append(describe(e));
            }
            LOG.info("custom: {}; target {}", sb, c.targetModality());
        }
        return new CustomExperiment(spec, a, open);
    }

    private static String describe(CustomArchitecture.Encoder e) {
        String what = switch (e.kind()) {
            case FEATURES -> "features [N, " + e.inputs() + "]";
            case CATEGORIES -> "categories (" + e.inputs() + " ids)";
            case TOKENS -> "tokens [N, " + e.length() + "] (" + e.inputs() + " ids" + (e.mask() ? ", masked" : "")
                    + ")";
        };
        return what + (e.missing() ? ", can be absent" : "");
    }

    @Override
    public ExperimentKind kind() {
        return ExperimentKind.CUSTOM;
    }

    @Override
    public CustomArchitecture architecture() {
        return architecture;
    }

    @Override
    public CustomModel buildModel(RandomGenerator init, boolean pretrained) {
        return new CustomModel(architecture, spec.loss(), init, spec.microBatchRows());
    }

    @Override
    public BatchSource batches(Split split) {
        return switch (split) {
            case TRAIN -> batches(split, spec.trainer().batchSzTrain(), spec.trainer().dropLast());
            case VAL -> batches(split, spec.trainer().batchSzVal(), false);
            case TEST -> batches(split, spec.trainer().batchSzTest(), false);
        };
    }

    private BatchSource batches(Split split, int batch, boolean dropLast) {
        SplitTensors s = splits.get(split);
        if (s == null) {
            throw new IllegalStateException("custom: the " + split + " split was not opened");
        }
        List<TensorBatchIterator.Input> in = new ArrayList<>();
        for (CustomArchitecture.Encoder e : architecture.encoders()) {
            boolean features = e.kind() == CustomLayout.Kind.FEATURES;
            in.add(new TensorBatchIterator.Input(e.name(), s.tensor(e.name()), features ? DataType.FLOAT
                    : DataType.LONG));
            if (e.mask()) {
                in.add(new TensorBatchIterator.Input(CustomLayout.maskName(e.name()),
                        s.tensor(CustomLayout.maskName(e.name())), DataType.FLOAT));
            }
            if (e.missing()) {
                in.add(new TensorBatchIterator.Input(CustomLayout.missingName(e.name()),
                        s.tensor(CustomLayout.missingName(e.name())), DataType.FLOAT));
            }
        }
        CustomInputs inputs = new CustomInputs(architecture, DataType.FLOAT);
        return new MappedBatches(new IteratorBatches(in, batch, dropLast), inputs::apply);
    }

    /** Blocks of {@code --batch_sz_test} rows of the split, each ranked on its own. */
    @Override
    public Encodings encode(CustomModel model, Split split, int draw) {
        return CustomRetrieval.encode(model, batches(split, spec.trainer().batchSzTest(), false),
                spec.loss().lossFn().score(), spec.custom().targetIndex());
    }

    @Override
    public CheckpointPolicy checkpointPolicy() {
        return CheckpointPolicy.KEEP_BEST;
    }

    @Override
    public String divergenceHint() {
        return "or --logit_scale_init (now " + spec.loss().logitScaleInit() + ")";
    }

    @Override
    public void close() {
        splits.values().forEach(SplitTensors::close);
    }
}
