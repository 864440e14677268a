package org.symile.samediff.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link TextEncoder}'s function (embeddings and layer 0, Hugging Face's post-LayerNorm BERT / XLM-R layer)
 * computed eagerly, with a hand-written backward pass that keeps only what the backward needs.
 *
 * <p>Why: inside a SameDiff graph every add, subtract and multiply keeps both of its inputs for its backward op, so
 * the arithmetic LayerNorms and the exact GELU hold about four times the activations PyTorch's autograd holds
 * (2.2 GB against ~0.5 GB for XLM-R large's first layer at B 256, L 32). Here a pass keeps, per layer, the
 * normalised inputs and inverse deviations of its three LayerNorms, Q, K, V, the attention probabilities, the
 * merged context, the LayerNorm output feeding the FFN and the FFN's pre-activation; the GELU output is recomputed.
 * The parameters stay the encoder's SameDiff variables (named, saved, loaded and optimised as before); a model
 * feeds {@link Pass#output()} to its graph and turns the graph's gradient with respect to it into the parameters'
 * gradients with {@link Pass#backward}.
 *
 * <p>A training pass may apply Hugging Face's dropout ({@link Dropout}): after the embeddings' LayerNorm, on the
 * attention probabilities, and on the attention and feed-forward outputs before their residual sums, each inverted
 * (kept values scaled by 1/(1 − p)); the backward pass regenerates the same masks.
 *
 * <p>Shapes: ids, positions [B, L] integer, mask [B, L] (1 token, 0 padding) -> [B, L, H]. Equations as
 * {@link BertLayer}; LayerNorm backward: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)), dx̂ = dy ⊙ γ; GELU'(u) =
 * Φ(u) + u·φ(u); softmax backward: dS = P ⊙ (dP − Σ_j dP ⊙ P).
 */
public final class EagerTextEncoder {
    private static final String LAYER = "encoder.layer.0.";
    private final TextEncoder.Config c;
    private final Map<String, SDVariable> params;
    private final Arena arena = new Arena();
    /**
     * The FFN's GELU output [B·L, intermediate] is never held whole: it is made and consumed this many tokens at a
     * time (its full size, 128 MiB at B 256 for XLM-R large, was the largest array of a step).
     */
    private static final int ROW_BLOCK = 1024;
    private final int rowBlock;

    /** Computes {@code encoder}'s function from its parameter variables' current values. */
    public EagerTextEncoder(TextEncoder encoder) {
        this(encoder, ROW_BLOCK);
    }

    /** @param rowBlock tokens per block of the FFN's GELU (tests use small blocks to exercise the blocking) */
    EagerTextEncoder(TextEncoder encoder, int rowBlock) {
        this.c = encoder.config();
        this.params = encoder.parameters();
        this.rowBlock = rowBlock;
    }

    /**
     * Dropout of a training pass: probability {@code p} at each of Hugging Face's four places, masks drawn per batch
     * row from {@code seed} and the row's index in the step's whole batch, so that a micro-batch starting at row
     * {@code firstRow} of the batch gets exactly those rows' masks.
     */
    public record Dropout(double p, long seed, long firstRow) {
        public Dropout {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("--text_dropout: expected a probability in [0, 1), got " + p);
            }
            if (firstRow < 0) {
                throw new IllegalArgumentException("dropout: first row must be >= 0, got " + firstRow);
            }
        }
    }

    /**
     * The forward pass.
     *
     * @param keep whether to keep what {@link Pass#backward} needs (training); false frees it at once
     */
    public Pass forward(INDArray ids, INDArray positions, INDArray mask, boolean keep) {
        return forward(ids, positions, mask, keep, null);
    }

    /**
     * The forward pass with dropout (null or p = 0: none).
     *
     * @param keep whether to keep what {@link Pass#backward} needs (training); false frees it at once
     */
    public Pass forward(INDArray ids, INDArray positions, INDArray mask, boolean keep, Dropout dropout) {
        if (ids.rank() != 2 || !Arrays.equals(ids.shape(), positions.shape())
                || !Arrays.equals(ids.shape(), mask.shape())) {
            throw new IllegalArgumentException("text encoder: ids, positions and mask must all be [B, L], got "
                    + Arrays.toString(ids.shape()) + ", " + Arrays.toString(positions.shape())
                    + ", " + Arrays.toString(mask.shape()));
        }
        return new Pass(ids, positions, mask, keep, dropout);
    }

    private INDArray p(String key) {
        return params.get(key).getArr();
    }

    private String name(String key) {
        return params.get(key).name();
    }

    /** One forward pass and, when kept, its backward. */
    public final class Pass implements AutoCloseable {
        private final long b;
        private final long l;
        private final long n;
        private final INDArray ids;
        private final INDArray positions;
        private final INDArray output;
        private final INDArray outY;
        private final boolean kept;
        /** This pass's dropout masks, or null without dropout. */
        private final DropoutMasks drop;
        private Norm embNorm;
        private Norm attnNorm;
        private Norm outNorm;
        private INDArray x0;
        private INDArray qh;
        private INDArray kh;
        private INDArray vh;
        private INDArray probs;
        private INDArray ctx;
        private INDArray h1;
        private INDArray u;

        private Pass(INDArray ids, INDArray positions, INDArray mask, boolean keep, Dropout dropout) {
            this.kept = keep;
            this.ids = ids;
            this.positions = positions;
            b = ids.size(0);
            l = ids.size(1);
            n = b * l;
            long h = c.hidden();
            drop = dropout == null || dropout.p() == 0 ? null : new DropoutMasks(dropout, b, l, h, c.heads());
            INDArray word = p("embeddings.word_embeddings.weight");
            DataType dt = word.dataType();
            INDArray e = Embedding.rowsInto(word, ids, arena.take(dt, n, h));
            INDArray pos = Embedding.rowsInto(p("embeddings.position_embeddings.weight"), positions,
                    arena.take(dt, n, h));
            e.addi(pos).addiRowVector(p("embeddings.token_type_embeddings.weight").getRow(0));
            arena.give(pos);
            embNorm = Norm.forward(e, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), c.eps(),
                    arena, true);
            arena.give(e);
            x0 = dropped(embNorm.y, DropoutMasks.Kind.EMBEDDINGS);
            qh = Heads.split(linear(x0, "attention.self.query"), b, l, c.heads(), arena);
            kh = Heads.split(linear(x0, "attention.self.key"), b, l, c.heads(), arena);
            vh = Heads.split(linear(x0, "attention.self.value"), b, l, c.heads(), arena);
            double inv = 1 / Math.sqrt((double) h / c.heads());
            INDArray scores = Nd4j.matmul(qh, kh, arena.take(dt, b, c.heads(), l, l), false, true, false).muli(inv);
            // HF's extended mask: (1 - mask)·(float32 min), added per key position
            INDArray additive = mask.castTo(dt).rsub(1.0).muli(-Float.MAX_VALUE).reshape(b, 1, 1, l);
            scores.addi(additive);
            probs = Heads.softmaxLast(scores);
            INDArray used = droppedProbs();
            INDArray ctxh = Nd4j.matmul(used, vh, arena.take(dt, vh.shape()));
            if (used != probs) {
                arena.give(used);
            }
            ctx = Heads.merge(ctxh, b, l, arena);
            INDArray a = dropped(linear(ctx, "attention.output.dense"), DropoutMasks.Kind.ATTENTION_OUTPUT).addi(x0);
            attnNorm = Norm.forward(a, p(LAYER + "attention.output.LayerNorm.weight"),
                    p(LAYER + "attention.output.LayerNorm.bias"), c.eps(), arena, true);
            arena.give(a);
            h1 = attnNorm.y;
            u = linear(h1, "intermediate.dense");
            INDArray o = dropped(ffnOut(u), DropoutMasks.Kind.FFN_OUTPUT).addi(h1);
            outNorm = Norm.forward(o, p(LAYER + "output.LayerNorm.weight"), p(LAYER + "output.LayerNorm.bias"),
                    c.eps(), arena, false);
            arena.give(o);
            outY = outNorm.y;
            output = outY.reshape('c', b, l, h);
            if (!keep) {
                close();
            }
        }

        /** x ⊙ the mask of {@code kind}, in place (x itself without dropout). */
        private INDArray dropped(INDArray x, DropoutMasks.Kind kind) {
            if (drop == null) {
                return x;
            }
            INDArray m = drop.mask(kind, x.dataType());
            x.muli(m);
            m.close();
            return x;
        }

        /** The attention probabilities after dropout: a new arena array, or {@link #probs} itself without it. */
        private INDArray droppedProbs() {
            if (drop == null) {
                return probs;
            }
            INDArray out = arena.take(probs.dataType(), probs.shape()).assign(probs);
            return dropped(out, DropoutMasks.Kind.PROBS);
        }

        /** Hidden states after layer 0, [B, L, H]. */
        public INDArray output() {
            return output;
        }

        /** Frees {@link #output()} (once nothing reads it any more). */
        public void releaseOutput() {
            outY.close();
        }

        /**
         * Gradients of every encoder parameter, keyed by variable name, from the gradient with respect to
         * {@link #output()} [B, L, H]. Frees what the pass kept.
         */
        public Map<String, INDArray> backward(INDArray dOutput) {
            if (!kept || u == null) {
                throw new IllegalStateException("text encoder: backward needs a kept forward pass, run once");
            }
            long h = c.hidden();
            DataType dt = u.dataType();
            Map<String, INDArray> grads = new LinkedHashMap<>();
            INDArray dy = dOutput.reshape('c', n, h);
            INDArray dO = outNorm.backward(dy, grads, name(LAYER + "output.LayerNorm.weight"),
                    name(LAYER + "output.LayerNorm.bias"), arena);
            INDArray dFfn = droppedGradient(dO, DropoutMasks.Kind.FFN_OUTPUT);
            INDArray du = ffnBackward(u, dFfn, grads);
            INDArray dH1 = linearBackward(h1, du, "intermediate.dense", grads).addi(dO);
            arena.give(du, dO);
            if (dFfn != dO) {
                arena.give(dFfn);
            }
            INDArray dA = attnNorm.backward(dH1, grads, name(LAYER + "attention.output.LayerNorm.weight"),
                    name(LAYER + "attention.output.LayerNorm.bias"), arena);
            arena.give(dH1);
            INDArray dAttn = droppedGradient(dA, DropoutMasks.Kind.ATTENTION_OUTPUT);
            INDArray dCtx = linearBackward(ctx, dAttn, "attention.output.dense", grads);
            if (dAttn != dA) {
                arena.give(dAttn);
            }
            INDArray dCtxh = Heads.split(dCtx, b, l, c.heads(), arena);
            INDArray dP = Nd4j.matmul(dCtxh, vh, arena.take(dt, probs.shape()), false, true, false);
            INDArray used = droppedProbs();
            INDArray dVh = Nd4j.matmul(used, dCtxh, arena.take(dt, vh.shape()), true, false, false);
            if (used != probs) {
                arena.give(used);
                dropped(dP, DropoutMasks.Kind.PROBS);
            }
            arena.give(dCtxh);
            INDArray t = arena.take(dt, probs.shape());
            INDArray rowDot = dP.mul(probs, t).sum(true, 3);
            arena.give(t);
            INDArray dS = dP.subi(rowDot).muli(probs).muli(1 / Math.sqrt((double) h / c.heads()));
            rowDot.close();
            INDArray dQh = Nd4j.matmul(dS, kh, arena.take(dt, qh.shape()));
            INDArray dKh = Nd4j.matmul(dS, qh, arena.take(dt, kh.shape()), true, false, false);
            arena.give(dS);
            INDArray dX0 = dA;
            String[] keys = {"attention.self.query", "attention.self.key", "attention.self.value"};
            INDArray[] dHeads = {dQh, dKh, dVh};
            for (int i = 0; i < 3; i++) {
                INDArray d = Heads.merge(dHeads[i], b, l, arena);
                linearBackwardInto(x0, d, keys[i], grads, dX0);
                arena.give(d);
            }
            dropped(dX0, DropoutMasks.Kind.EMBEDDINGS);
            INDArray dE = embNorm.backward(dX0, grads, name("embeddings.LayerNorm.weight"),
                    name("embeddings.LayerNorm.bias"), arena);
            arena.give(dX0);
            INDArray dE3 = dE.reshape('c', b, l, h);
            grads.put(name("embeddings.word_embeddings.weight"), Embedding.tableGradient(ids, dE3, c.vocab()));
            grads.put(name("embeddings.position_embeddings.weight"),
                    Embedding.tableGradient(positions, dE3, c.maxPositions()));
            INDArray type = Nd4j.zeros(dt, c.typeVocab(), h);
            type.putRow(0, dE.sum(0));
            grads.put(name("embeddings.token_type_embeddings.weight"), type);
            arena.give(dE);
            close();
            return grads;
        }

        /** dy ⊙ the mask of {@code kind} as a new arena array, or dy itself without dropout. */
        private INDArray droppedGradient(INDArray dy, DropoutMasks.Kind kind) {
            if (drop == null) {
                return dy;
            }
            return dropped(arena.take(dy.dataType(), dy.shape()).assign(dy), kind);
        }

        /** GELU(u) W_out + b_out, [N, H] (an arena array), with GELU(u) made one row block at a time. */
        private INDArray ffnOut(INDArray u) {
            INDArray w = p(LAYER + "output.dense.weight");
            INDArray o = arena.take(u.dataType(), u.size(0), w.size(1));
            INDArray g = arena.take(u.dataType(), Math.min(rowBlock, u.size(0)), u.size(1));
            INDArray y = arena.take(u.dataType(), g.size(0), w.size(1));
            for (long r0 = 0; r0 < u.size(0); r0 += rowBlock) {
                long r1 = Math.min(u.size(0), r0 + rowBlock);
                INDArray gb = rowsOf(g, r1 - r0);
                INDArray yb = rowsOf(y, r1 - r0);
                Gelus.value(u.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()), gb);
                Nd4j.gemm(gb, w, yb, false, false, 1.0, 0.0);
                o.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()).assign(yb);
            }
            arena.give(g, y);
            return o.addiRowVector(p(LAYER + "output.dense.bias"));
        }

        /**
         * Puts the output Linear's gradients (dW = GELU(u)ᵀ dO accumulated over row blocks) and returns
         * du = (dO Wᵀ) ⊙ GELU'(u) (an arena array); overwrites u, which the pass no longer needs.
         */
        private INDArray ffnBackward(INDArray u, INDArray dO, Map<String, INDArray> grads) {
            String key = "output.dense";
            INDArray w = p(LAYER + key + ".weight");
            INDArray dw = Nd4j.createUninitialized(w.dataType(), w.shape());
            INDArray g = arena.take(u.dataType(), Math.min(rowBlock, u.size(0)), u.size(1));
            for (long r0 = 0; r0 < u.size(0); r0 += rowBlock) {
                long r1 = Math.min(u.size(0), r0 + rowBlock);
                INDArray gb = rowsOf(g, r1 - r0);
                Gelus.value(u.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()), gb);
                Nd4j.gemm(gb, dO.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()), dw, true, false, 1.0,
                        r0 == 0 ? 0.0 : 1.0);
            }
            grads.put(name(LAYER + key + ".weight"), dw);
            grads.put(name(LAYER + key + ".bias"), dO.sum(0).reshape(p(LAYER + key + ".bias").shape()));
            INDArray dG = arena.take(dO.dataType(), dO.size(0), w.size(0));
            Nd4j.gemm(dO, w, dG, false, true, 1.0, 0.0);
            for (long r0 = 0; r0 < u.size(0); r0 += rowBlock) {
                long r1 = Math.min(u.size(0), r0 + rowBlock);
                var rows = NDArrayIndex.interval(r0, r1);
                INDArray gb = rowsOf(g, r1 - r0);
                Gelus.backwardInPlace(u.get(rows, NDArrayIndex.all()), dG.get(rows, NDArrayIndex.all()), gb);
            }
            arena.give(g);
            return dG;
        }

        /** The first {@code rows} rows of a block array (the whole array for a full block). */
        private INDArray rowsOf(INDArray block, long rows) {
            return rows == block.size(0) ? block : block.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
        }

        /** y = x W + b for the layer's Linear {@code key} ([in, out] weight, as {@link Linear}); an arena array. */
        private INDArray linear(INDArray x, String key) {
            INDArray w = p(LAYER + key + ".weight");
            INDArray y = arena.take(x.dataType(), x.size(0), w.size(1));
            Nd4j.gemm(x, w, y, false, false, 1.0, 0.0);
            return y.addiRowVector(p(LAYER + key + ".bias"));
        }

        /** Puts dW = xᵀ dy and db = Σ dy; returns dx = dy Wᵀ (an arena array). */
        private INDArray linearBackward(INDArray x, INDArray dy, String key, Map<String, INDArray> grads) {
            INDArray w = p(LAYER + key + ".weight");
            INDArray dx = arena.take(dy.dataType(), dy.size(0), w.size(0));
            linearBackwardInto(x, dy, key, grads, null);
            Nd4j.gemm(dy, w, dx, false, true, 1.0, 0.0);
            return dx;
        }

        /** Puts dW = xᵀ dy and db = Σ dy, and adds dy Wᵀ to {@code dxSum} when it is given. */
        private void linearBackwardInto(INDArray x, INDArray dy, String key, Map<String, INDArray> grads,
                                        INDArray dxSum) {
            INDArray w = p(LAYER + key + ".weight");
            INDArray dw = Nd4j.createUninitialized(w.dataType(), w.shape());
            Nd4j.gemm(x, dy, dw, true, false, 1.0, 0.0);
            grads.put(name(LAYER + key + ".weight"), dw);
            INDArray bias = p(LAYER + key + ".bias");
            grads.put(name(LAYER + key + ".bias"), dy.sum(0).reshape(bias.shape()));
            if (dxSum != null) {
                Nd4j.gemm(dy, w, dxSum, false, true, 1.0, 1.0);
            }
        }

        /** Returns what the pass kept to the arena (not the output). */
        @Override
        public void close() {
            arena.give(qh, kh, vh, probs, ctx, u);
            for (Norm nm : new Norm[] {embNorm, attnNorm, outNorm}) {
                if (nm != null) {
                    nm.release(arena);
                }
            }
            qh = kh = vh = probs = ctx = u = null;
            x0 = h1 = null;
            embNorm = attnNorm = outNorm = null;
        }
    }

    /** The per-head layout [B, heads, L, H/heads] and the attention softmax. */
    private static final class Heads {
        private Heads() {
        }

        /** [B·L, H] -> [B, heads, L, H/heads] (an arena array); gives x back to the arena. */
        static INDArray split(INDArray x, long b, long l, int heads, Arena arena) {
            long hd = x.size(1) / heads;
            INDArray out = arena.take(x.dataType(), b, heads, l, hd);
            out.assign(x.reshape('c', b, l, heads, hd).permute(0, 2, 1, 3));
            arena.give(x);
            return out;
        }

        /** [B, heads, L, H/heads] -> [B·L, H] (an arena array); gives x back to the arena. */
        static INDArray merge(INDArray x, long b, long l, Arena arena) {
            INDArray out = arena.take(x.dataType(), b * l, x.size(1) * x.size(3));
            out.reshape('c', b, l, x.size(1), x.size(3)).assign(x.permute(0, 2, 1, 3));
            arena.give(x);
            return out;
        }

        /** exp(s − max) / Σ exp(s − max) over the last axis, in place. */
        static INDArray softmaxLast(INDArray s) {
            INDArray max = s.max(true, 3);
            s.subi(max);
            max.close();
            Transforms.exp(s, false);
            INDArray sum = s.sum(true, 3);
            s.divi(sum);
            sum.close();
            return s;
        }
    }

    /** The exact GELU 0.5·u·(1 + erf(u/√2)) and its derivative, in given arrays. */
    private static final class Gelus {
        private Gelus() {
        }

        /** GELU(u) written into {@code out}. */
        static INDArray value(INDArray u, INDArray out) {
            return phi(u, out).muli(u);
        }

        /**
         * dG ⊙ (Φ(u) + u·φ(u)) written into dG, using {@code scratch} and overwriting u (which the backward no
         * longer needs): no array is allocated.
         */
        static INDArray backwardInPlace(INDArray u, INDArray dG, INDArray scratch) {
            phi(u, scratch).muli(dG);
            dG.muli(u);
            u.muli(u).muli(-0.5);
            Transforms.exp(u, false);
            return dG.muli(u).muli(1 / Math.sqrt(2 * Math.PI)).addi(scratch);
        }

        /** Φ(u) = 0.5·(1 + erf(u/√2)) written into {@code out}. */
        private static INDArray phi(INDArray u, INDArray out) {
            u.mul(1 / Math.sqrt(2), out);
            Nd4j.getExecutioner().exec(new Erf(out, out));
            return out.addi(1.0).muli(0.5);
        }
    }
}
