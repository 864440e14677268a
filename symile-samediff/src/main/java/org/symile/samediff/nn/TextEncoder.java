package org.symile.samediff.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The part of a BERT / XLM-R model Symile-M3 fine-tunes (spec §5.5): the embeddings (word + position + token
 * type 0, then LayerNorm) and encoder layer 0, [B, L] ids -> [B, L, H] hidden states. Position ids are an input:
 * XLM-R numbers real tokens from padding_idx + 1 and gives pads padding_idx ({@link #positionIds}); BERT uses
 * 0..L-1. Parameters carry Hugging Face names ({@code embeddings.word_embeddings.weight},
 * {@code encoder.layer.0.attention.self.query.weight}, ...) for loading.
 */
public final class TextEncoder {

    /** Sizes from a model's config.json. */
    public record Config(int vocab, long hidden, int heads, long intermediate, int maxPositions, int typeVocab,
                         double eps, int padTokenId, boolean xlmRoberta) {
        public Config {
            if (vocab < 1 || hidden < 1 || heads < 1 || intermediate < 1 || maxPositions < 1 || typeVocab < 1) {
                throw new IllegalArgumentException("text encoder sizes must be positive: " + this);
            }
        }
    }

    private final Map<String, SDVariable> params = new LinkedHashMap<>();
    private final SDVariable output;
    private final Config config;

    /**
     * The word embeddings looked up inside the graph (one-hot product: exact gradients, cost O(B·L·V·H)).
     *
     * @param ids       token ids [B, L] (integer placeholder)
     * @param positions position ids [B, L] (integer placeholder)
     * @param mask      attention mask [B, L], 1 for tokens, 0 for padding (floating point)
     */
    public TextEncoder(SameDiff sd, String name, Config c, SDVariable ids, SDVariable positions, SDVariable mask,
                       RandomGenerator rng, DataType dtype) {
        this(sd, name, c, ids, positions, mask, rng, dtype, true);
    }

    /**
     * The parameters alone, created as the graph form creates them (same names, same draws from {@code rng}), with
     * no ops: for {@link EagerTextEncoder}, which computes the function outside the graph. {@link #output()} is
     * then null.
     */
    public static TextEncoder parametersOnly(SameDiff sd, String name, Config c, RandomGenerator rng,
                                             DataType dtype) {
        return new TextEncoder(sd, name, c, null, null, null, rng, dtype, false);
    }

    private TextEncoder(SameDiff sd, String name, Config c, SDVariable ids, SDVariable positions, SDVariable mask,
                        RandomGenerator rng, DataType dtype, boolean graph) {
        this.config = c;
        Embedding word = Embedding.create(sd, name + ".embeddings.word_embeddings.weight", c.vocab(), c.hidden(), 0.02,
                rng, dtype);
        Embedding pos = Embedding.create(sd, name + ".embeddings.position_embeddings.weight", c.maxPositions(),
                c.hidden(), 0.02, rng, dtype);
        Embedding type = Embedding.create(sd, name + ".embeddings.token_type_embeddings.weight", c.typeVocab(),
                c.hidden(), 0.02, rng, dtype);
        LayerNorm ln = LayerNorm.create(sd, name + ".embeddings.LayerNorm", c.hidden(), c.eps(), dtype);
        params.put("embeddings.word_embeddings.weight", word.table());
        params.put("embeddings.position_embeddings.weight", pos.table());
        params.put("embeddings.token_type_embeddings.weight", type.table());
        params.put("embeddings.LayerNorm.weight", ln.gamma());
        params.put("embeddings.LayerNorm.bias", ln.beta());
        BertLayer layer = new BertLayer(sd, name + ".encoder.layer.0", c.hidden(), c.heads(), c.intermediate(),
                c.eps(), rng, dtype);
        layer.parameters().forEach((k, v) -> params.put("encoder.layer.0." + k, v));
        if (!graph) {
            this.output = null;
            return;
        }
        // token type 0 for every token: row 0 of the table (a one-hot product; slicing a variable breaks its gradient)
        double[] first = new double[c.typeVocab()];
        first[0] = 1;
        SDVariable typeRow = sd.reshape(sd.mmul(sd.constant(org.nd4j.linalg.factory.Nd4j.create(first,
                new long[] {1, c.typeVocab()}, DataType.DOUBLE).castTo(dtype)), type.table()), -1);
        SDVariable h = word.apply(sd, ids).add(pos.apply(sd, positions)).add(typeRow);
        h = ln.apply(sd, h, 3);
        // HF's extended mask: (1 - mask) * float32 min, broadcast over heads and query positions
        SDVariable additive = sd.reshape(mask.rsub(1.0).mul(-Float.MAX_VALUE), sd.concat(0,
                sd.slice(sd.shape(ids).castTo(DataType.LONG), new int[] {0}, 1),
                sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(1L, 1L)),
                sd.slice(sd.shape(ids).castTo(DataType.LONG), new int[] {1}, 1)));
        this.output = layer.apply(sd, h, additive);
    }

    /** Hidden states after layer 0, [B, L, H]; null for {@link #parametersOnly}. */
    public SDVariable output() {
        return output;
    }

    public Config config() {
        return config;
    }

    /** Parameters by Hugging Face name (linear weights stored [in, out], the transpose of HF's). */
    public Map<String, SDVariable> parameters() {
        return params;
    }

    /**
     * Position ids for token ids [B, L]: XLM-R's {@code create_position_ids_from_input_ids} (cumulative count of
     * non-pad tokens, offset by padding_idx; pads get padding_idx), or 0..L-1 for BERT.
     */
    public static int[][] positionIds(int[][] ids, Config c) {
        int[][] out = new int[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            out[b] = new int[ids[b].length];
            int count = 0;
            for (int i = 0; i < ids[b].length; i++) {
                if (c.xlmRoberta()) {
                    boolean token = ids[b][i] != c.padTokenId();
                    count += token ? 1 : 0;
                    out[b][i] = token ? count + c.padTokenId() : c.padTokenId();
                } else {
                    out[b][i] = i;
                }
            }
        }
        return out;
    }
}
