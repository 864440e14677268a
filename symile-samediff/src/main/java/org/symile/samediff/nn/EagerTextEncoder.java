package org.symile.samediff.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * <p>Shapes: ids, positions [B, L] integer, mask [B, L] (1 token, 0 padding) -> [B, L, H]. Equations as
 * {@link BertLayer}; LayerNorm backward: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)), dx̂ = dy ⊙ γ; GELU'(u) =
 * Φ(u) + u·φ(u); softmax backward: dS = P ⊙ (dP − Σ_j dP ⊙ P).
 */
public final class EagerTextEncoder {
    private static final String LAYER = "encoder.layer.0.";
    private final TextEncoder.Config c;
    private final Map<String, SDVariable> params;

    /** Computes {@code encoder}'s function from its parameter variables' current values. */
    public EagerTextEncoder(TextEncoder encoder) {
        this.c = encoder.config();
        this.params = encoder.parameters();
    }

    /**
     * The forward pass.
     *
     * @param keep whether to keep what {@link Pass#backward} needs (training); false frees it at once
     */
    public Pass forward(INDArray ids, INDArray positions, INDArray mask, boolean keep) {
        if (ids.rank() != 2 || !java.util.Arrays.equals(ids.shape(), positions.shape())
                || !java.util.Arrays.equals(ids.shape(), mask.shape())) {
            throw new IllegalArgumentException("text encoder: ids, positions and mask must all be [B, L], got "
                    + java.util.Arrays.toString(ids.shape()) + ", " + java.util.Arrays.toString(positions.shape())
                    + ", " + java.util.Arrays.toString(mask.shape()));
        }
        return new Pass(ids, positions, mask, keep);
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

        private Pass(INDArray ids, INDArray positions, INDArray mask, boolean keep) {
            this.kept = keep;
            this.ids = ids;
            this.positions = positions;
            b = ids.size(0);
            l = ids.size(1);
            n = b * l;
            long h = c.hidden();
            INDArray e = Embedding.lookup(p("embeddings.word_embeddings.weight"), ids).reshape('c', n, h);
            INDArray pos = Embedding.lookup(p("embeddings.position_embeddings.weight"), positions).reshape('c', n, h);
            e.addi(pos);
            pos.close();
            e.addiRowVector(p("embeddings.token_type_embeddings.weight").getRow(0));
            embNorm = Norm.forward(e, p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"), c.eps());
            e.close();
            x0 = embNorm.y;
            INDArray q = linear(x0, "attention.self.query");
            INDArray k = linear(x0, "attention.self.key");
            INDArray v = linear(x0, "attention.self.value");
            qh = Heads.split(q, b, l, c.heads());
            kh = Heads.split(k, b, l, c.heads());
            vh = Heads.split(v, b, l, c.heads());
            double inv = 1 / Math.sqrt((double) h / c.heads());
            INDArray scores = Nd4j.matmul(qh, kh, false, true, false).muli(inv);
            // HF's extended mask: (1 - mask)·(float32 min), added per key position
            INDArray additive = mask.castTo(scores.dataType()).rsub(1.0).muli(-Float.MAX_VALUE).reshape(b, 1, 1, l);
            scores.addi(additive);
            probs = Heads.softmaxLast(scores);
            INDArray ctxh = Nd4j.matmul(probs, vh);
            ctx = Heads.merge(ctxh, b, l);
            ctxh.close();
            INDArray a = linear(ctx, "attention.output.dense").addi(x0);
            attnNorm = Norm.forward(a, p(LAYER + "attention.output.LayerNorm.weight"),
                    p(LAYER + "attention.output.LayerNorm.bias"), c.eps());
            a.close();
            h1 = attnNorm.y;
            u = linear(h1, "intermediate.dense");
            INDArray g = Gelus.value(u);
            INDArray o = linear(g, "output.dense").addi(h1);
            g.close();
            outNorm = Norm.forward(o, p(LAYER + "output.LayerNorm.weight"), p(LAYER + "output.LayerNorm.bias"),
                    c.eps());
            o.close();
            outY = outNorm.y;
            output = outY.reshape('c', b, l, h);
            if (!keep) {
                close();
            }
        }

        /** Hidden states after layer 0, [B, L, H]. */
        public INDArray output() {
            return output;
        }

        /** Frees {@link #output()} (once the caller has copied or consumed it). */
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
            Map<String, INDArray> grads = new LinkedHashMap<>();
            INDArray dy = dOutput.reshape('c', n, h);
            INDArray dO = outNorm.backward(dy, grads, name(LAYER + "output.LayerNorm.weight"),
                    name(LAYER + "output.LayerNorm.bias"));
            INDArray g = Gelus.value(u);
            INDArray dG = linearBackward(g, dO, "output.dense", grads);
            g.close();
            INDArray du = Gelus.backwardInPlace(u, dG);
            INDArray dH1 = linearBackward(h1, du, "intermediate.dense", grads).addi(dO);
            du.close();
            dO.close();
            INDArray dA = attnNorm.backward(dH1, grads, name(LAYER + "attention.output.LayerNorm.weight"),
                    name(LAYER + "attention.output.LayerNorm.bias"));
            dH1.close();
            INDArray dCtx = linearBackward(ctx, dA, "attention.output.dense", grads);
            INDArray dCtxh = Heads.split(dCtx, b, l, c.heads());
            dCtx.close();
            INDArray dP = Nd4j.matmul(dCtxh, vh, false, true, false);
            INDArray dVh = Nd4j.matmul(probs, dCtxh, true, false, false);
            dCtxh.close();
            INDArray rowDot = dP.mul(probs).sum(true, 3);
            INDArray dS = dP.subi(rowDot).muli(probs).muli(1 / Math.sqrt((double) h / c.heads()));
            rowDot.close();
            INDArray dQh = Nd4j.matmul(dS, kh);
            INDArray dKh = Nd4j.matmul(dS, qh, true, false, false);
            dS.close();
            INDArray dX0 = dA;
            for (Object[] qkv : new Object[][] {{dQh, "attention.self.query"}, {dKh, "attention.self.key"},
                    {dVh, "attention.self.value"}}) {
                INDArray d = Heads.merge((INDArray) qkv[0], b, l);
                ((INDArray) qkv[0]).close();
                INDArray dx = linearBackward(x0, d, (String) qkv[1], grads);
                dX0.addi(dx);
                dx.close();
                d.close();
            }
            INDArray dE = embNorm.backward(dX0, grads, name("embeddings.LayerNorm.weight"),
                    name("embeddings.LayerNorm.bias"));
            dX0.close();
            INDArray dE3 = dE.reshape('c', b, l, h);
            grads.put(name("embeddings.word_embeddings.weight"), Embedding.tableGradient(ids, dE3, c.vocab()));
            grads.put(name("embeddings.position_embeddings.weight"),
                    Embedding.tableGradient(positions, dE3, c.maxPositions()));
            INDArray type = Nd4j.zeros(dE.dataType(), c.typeVocab(), h);
            type.putRow(0, dE.sum(0));
            grads.put(name("embeddings.token_type_embeddings.weight"), type);
            dE.close();
            close();
            return grads;
        }

        /** y = x W + b for the layer's Linear {@code key} ([in, out] weight, as {@link Linear}). */
        private INDArray linear(INDArray x, String key) {
            INDArray w = p(LAYER + key + ".weight");
            INDArray y = Nd4j.createUninitialized(x.dataType(), x.size(0), w.size(1));
            Nd4j.gemm(x, w, y, false, false, 1.0, 0.0);
            return y.addiRowVector(p(LAYER + key + ".bias"));
        }

        /** Puts dW = xᵀ dy and db = Σ dy; returns dx = dy Wᵀ. */
        private INDArray linearBackward(INDArray x, INDArray dy, String key, Map<String, INDArray> grads) {
            INDArray w = p(LAYER + key + ".weight");
            INDArray dw = Nd4j.createUninitialized(w.dataType(), w.shape());
            Nd4j.gemm(x, dy, dw, true, false, 1.0, 0.0);
            grads.put(name(LAYER + key + ".weight"), dw);
            INDArray bias = p(LAYER + key + ".bias");
            grads.put(name(LAYER + key + ".bias"), dy.sum(0).reshape(bias.shape()));
            INDArray dx = Nd4j.createUninitialized(dy.dataType(), dy.size(0), w.size(0));
            Nd4j.gemm(dy, w, dx, false, true, 1.0, 0.0);
            return dx;
        }

        /** Frees what the pass kept (not the output). */
        @Override
        public void close() {
            for (INDArray a : new INDArray[] {qh, kh, vh, probs, ctx, u}) {
                if (a != null) {
                    a.close();
                }
            }
            for (Norm nm : new Norm[] {embNorm, attnNorm, outNorm}) {
                if (nm != null) {
                    nm.release(nm != outNorm);
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

        static INDArray split(INDArray x, long b, long l, int heads) {
            return x.reshape('c', b, l, heads, x.size(1) / heads).permute(0, 2, 1, 3).dup('c');
        }

        static INDArray merge(INDArray x, long b, long l) {
            return x.permute(0, 2, 1, 3).dup('c').reshape('c', b * l, x.size(1) * x.size(3));
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

    /** The exact GELU 0.5·u·(1 + erf(u/√2)) and its derivative. */
    private static final class Gelus {
        private Gelus() {
        }

        static INDArray value(INDArray u) {
            INDArray cdf = phi(u);
            return cdf.muli(u);
        }

        /** dG ⊙ (Φ(u) + u·φ(u)), written into dG. */
        static INDArray backwardInPlace(INDArray u, INDArray dG) {
            INDArray cdf = phi(u);
            INDArray pdf = u.mul(u).muli(-0.5);
            Transforms.exp(pdf, false);
            pdf.muli(1 / Math.sqrt(2 * Math.PI)).muli(u).addi(cdf);
            cdf.close();
            dG.muli(pdf);
            pdf.close();
            return dG;
        }

        /** Φ(u) = 0.5·(1 + erf(u/√2)). */
        private static INDArray phi(INDArray u) {
            INDArray t = u.mul(1 / Math.sqrt(2));
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Erf(t, t));
            return t.addi(1.0).muli(0.5);
        }
    }
}
