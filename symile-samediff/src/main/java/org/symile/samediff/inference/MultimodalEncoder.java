package org.symile.samediff.inference;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.symile.samediff.Retrieval;
import org.symile.samediff.ZeroShot;

/**
 * A trained multimodal model seen from outside: one encoder per modality into a shared representation space of
 * width d, the score the model was trained with (Symile's multilinear inner product or CLIP's pairwise sum) and
 * its learned logit scale s. Representations are exactly what the model's loss saw (for the paper's M3 and MIMIC
 * models that is LayerNorm outputs, not unit vectors; binary XOR's are L2-normalised).
 *
 * <p>Scoring and retrieval follow the paper's zero-shot protocol (§5): a query is the other modalities of a
 * tuple, every candidate of the retrieved modality is scored with them, and the highest score wins.
 *
 * <pre>{@code
 * try (MultimodalEncoder model = ...) {               // e.g. org.symile.app.inference.TrainedModel.load(path)
 *     INDArray audio = model.encode("audio", Map.of("audio", audioFeatures));          // [Q, d]
 *     INDArray text = model.encode("text", Map.of("text_input_ids", ids, "text_attention_mask", mask));
 *     INDArray bank = model.encode("image", Map.of("image", imageFeatures));           // [C, d]
 *     Retrieval.TopK top = model.retrieve(List.of(audio, text), bank, 5);
 * }
 * }</pre>
 */
public interface MultimodalEncoder extends AutoCloseable {

    /** The modalities in the model's (loss) order, e.g. {@code [audio, image, text]}. */
    List<String> modalities();

    /**
     * The input arrays {@link #encode} reads for a modality, by name, each with its per-row shape in the
     * implementation's documentation (names are the experiment's split-tensor names).
     *
     * @throws IllegalArgumentException for a modality the model does not have
     */
    List<String> inputs(String modality);

    /**
     * Encodes one modality's batch in evaluation mode.
     *
     * @param inputs the arrays {@link #inputs(String)} names, each with B rows
     * @return [B, d] representations
     * @throws IllegalArgumentException naming the modality or input when one is unknown, missing or misshaped
     */
    INDArray encode(String modality, Map<String, INDArray> inputs);

    /** d, the representation width. */
    long dimension();

    /** s = exp(learned log-scale). */
    double logitScale();

    /** The score the model was trained with. */
    ZeroShot.Score score();

    /**
     * Scores of aligned tuples ({@link TupleScores}): [B] from M representations [B, d] in any order.
     */
    default INDArray scoreTuples(List<INDArray> reps) {
        return TupleScores.of(score(), reps, logitScale());
    }

    /**
     * The k best candidates of a bank for each query, best first (ties: lower index first), scored in chunks of
     * {@link ZeroShot#DEFAULT_CHUNK} candidates so no [Q, C] matrix is held.
     *
     * @param queries the M − 1 other modalities' representations [Q, d]
     * @param bank    the retrieved modality's representations [C, d]
     */
    default Retrieval.TopK retrieve(List<INDArray> queries, INDArray bank, int k) {
        return Retrieval.topK(score(), bank, queries, logitScale(), k, ZeroShot.DEFAULT_CHUNK);
    }

    /**
     * recall@1/5/10 and mean rank of a labelled query set: {@code truth[i]} is the bank row that belongs to
     * query i (rank = 1 + the candidates scoring higher + the earlier candidates scoring the same, so rank 1
     * exactly when the best-scoring candidate is the correct one).
     */
    default Retrieval.Metrics recall(List<INDArray> queries, INDArray bank, long[] truth) {
        return Retrieval.metrics(score(), bank, queries, truth, logitScale(), ZeroShot.DEFAULT_CHUNK);
    }

    /** Frees the model's native memory. */
    @Override
    void close();
}
