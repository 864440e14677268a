package org.symile.samediff.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One BERT / XLM-R encoder layer in Hugging Face's post-LayerNorm layout ({@code encoder.layer.N}):
 * <pre>
 *   a   = softmax(Q Kᵀ / √(H/heads) + mask) V        per head, [B, L, H] -> [B, L, H]
 *   h1  = LayerNorm(dense(a) + h)
 *   out = LayerNorm(dense(gelu(intermediate(h1))) + h1)
 * </pre>
 * with an additive attention mask [B, 1, 1, L] (0 for tokens, a large negative for padding). Dropout is not
 * applied (SameDiff M2.1 has no dropout gradient), i.e. the layer always behaves as in evaluation mode.
 * Parameters are named as in HF checkpoints so they can be loaded by name (see {@link #parameters()}).
 */
public final class BertLayer {
    private final int heads;
    private final long hidden;
    private final double eps;
    private final Map<String, SDVariable> params = new LinkedHashMap<>();
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear attnOut;
    private final LayerNorm attnNorm;
    private final Linear intermediate;
    private final Linear output;
    private final LayerNorm outNorm;

    public BertLayer(SameDiff sd, String name, long hidden, int heads, long intermediateSize, double eps,
                     RandomGenerator rng, DataType dtype) {
        if (hidden % heads != 0) {
            throw new IllegalArgumentException(name + ": hidden size " + hidden + " is not a multiple of " + heads
                    + " heads");
        }
        this.heads = heads;
        this.hidden = hidden;
        this.eps = eps;
        query = linear(sd, name, "attention.self.query", hidden, hidden, rng, dtype);
        key = linear(sd, name, "attention.self.key", hidden, hidden, rng, dtype);
        value = linear(sd, name, "attention.self.value", hidden, hidden, rng, dtype);
        attnOut = linear(sd, name, "attention.output.dense", hidden, hidden, rng, dtype);
        attnNorm = norm(sd, name, "attention.output.LayerNorm", hidden, dtype);
        intermediate = linear(sd, name, "intermediate.dense", hidden, intermediateSize, rng, dtype);
        output = linear(sd, name, "output.dense", intermediateSize, hidden, rng, dtype);
        outNorm = norm(sd, name, "output.LayerNorm", hidden, dtype);
    }

    private Linear linear(SameDiff sd, String name, String key, long in, long out, RandomGenerator rng,
                          DataType dtype) {
        Linear l = Linear.create(sd, name + "." + key, in, out, true, rng, dtype);
        params.put(key + ".weight", l.weight());
        params.put(key + ".bias", l.bias());
        return l;
    }

    private LayerNorm norm(SameDiff sd, String name, String key, long n, DataType dtype) {
        LayerNorm l = LayerNorm.create(sd, name + "." + key, n, eps, dtype);
        params.put(key + ".weight", l.gamma());
        params.put(key + ".bias", l.beta());
        return l;
    }

    /**
     * @param h    hidden states [B, L, H]
     * @param mask additive mask [B, 1, 1, L]
     */
    public SDVariable apply(SameDiff sd, SDVariable h, SDVariable mask) {
        long hd = hidden / heads;
        SDVariable q = split(sd, query.applyRank3(sd, h), hd);
        SDVariable k = split(sd, key.applyRank3(sd, h), hd);
        SDVariable v = split(sd, value.applyRank3(sd, h), hd);
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1 / Math.sqrt(hd)).add(mask);
        SDVariable probs = sd.math.exp(scores.sub(scores.max(true, 3)));
        probs = probs.div(probs.sum(true, 3));
        SDVariable ctx = sd.mmul(probs, v);
        SDVariable merged = sd.reshape(sd.permute(ctx, 0, 2, 1, 3), sd.concat(0,
                sd.slice(sd.shape(h).castTo(DataType.LONG), new int[] {0}, 2),
                sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(hidden))));
        SDVariable h1 = attnNorm.apply(sd, attnOut.applyRank3(sd, merged).add(h), 3);
        SDVariable inter = Gelu.apply(sd, intermediate.applyRank3(sd, h1));
        return outNorm.apply(sd, output.applyRank3(sd, inter).add(h1), 3);
    }

    /** [B, L, H] -> [B, heads, L, H/heads]. */
    private SDVariable split(SameDiff sd, SDVariable x, long hd) {
        SDVariable shape = sd.concat(0, sd.slice(sd.shape(x).castTo(DataType.LONG), new int[] {0}, 2),
                sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray((long) heads, hd)));
        return sd.permute(sd.reshape(x, shape), 0, 2, 1, 3);
    }

    /**
     * Parameters by their HF name within the layer ({@code attention.self.query.weight}, ...); HF stores linear
     * weights [out, in], these are [in, out].
     */
    public Map<String, SDVariable> parameters() {
        return params;
    }
}
