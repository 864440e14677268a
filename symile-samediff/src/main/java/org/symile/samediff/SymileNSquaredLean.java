package org.symile.samediff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Memory-lean Symile O(N²) loss and its exact gradients, computed eagerly in chunks (no graph).
 *
 * <p>Same value as {@link SymileLoss} with {@code N_SQUARED}. For each anchor x with non-anchors n_1..n_{M-1},
 * the candidates are split along n_1: a chunk J of c rows gives C_J = n_1[J] ⊗ R with R = n_2 ⊗ … ⊗ n_{M-1}
 * ([B^(M-2), d]; a single row of ones for M = 2) and logits Z_J = s·x C_Jᵀ of shape [B, c·B^(M-2)]. A first pass
 * accumulates each row's log-sum-exp online; a second recomputes Z_J and back-propagates the softmax:
 * <pre>
 *   W_J  = exp(Z_J − lse) / (B·M)              (all products by gemm into preallocated outputs)
 *   ∂x  += s·W_J C_J,   ∂C_J = s·W_Jᵀ x,   ∂n_1[J] = Σ_R ∂C_J ⊙ R,   ∂R += Σ_J ∂C_J ⊙ n_1[J]
 *   ∂s  += Σ W_J ⊙ Z_J / s
 * </pre>
 * and ∂R flows back through the outer products to n_2..n_{M-1}. The positive term −s·mean_i MIP(r_1[i], …)
 * is differentiated in closed form, and so is label smoothing ε's term −ε·s·MIP(mean r_1, …, mean r_M) (see
 * {@link SymileNSquaredGraph}), with (1 − ε) on the positive term. With a subset of anchors only those are summed.
 * Peak extra memory is one chunk (c·B^(M-2)·(d + B) elements, bounded by the
 * chunk budget) plus R, never the [B^(M-1), d] product.
 */
public final class SymileNSquaredLean {

    private final long chunkElements;
    private final double eps;
    private final int[] anchors;

    /** @param chunkElements upper bound on the elements of one chunk's candidates plus logits */
    public SymileNSquaredLean(long chunkElements) {
        this(chunkElements, 0, null);
    }

    /**
     * @param chunkElements upper bound on the elements of one chunk's candidates plus logits
     * @param eps           label smoothing in [0, 1) over each row's B^(M-1) classes
     * @param anchors       the 0-based modalities whose cross-entropies are averaged; null for all of them
     */
    public SymileNSquaredLean(long chunkElements, double eps, int[] anchors) {
        if (chunkElements < 1) {
            throw new IllegalArgumentException("lean chunk size: expected >= 1 element, got " + chunkElements);
        }
        this.chunkElements = chunkElements;
        this.eps = SymileLoss.checkLabelSmoothing(eps);
        this.anchors = anchors == null ? null : anchors.clone();
    }

    /**
     * Computes the loss and its gradients.
     *
     * @param reps     M ≥ 2 arrays [B, d] of one floating-point type
     * @param logScale log(s)
     */
    public LossGradients compute(List<INDArray> reps, double logScale) {
        Shapes.checkEager(reps, "Symile loss");
        int m = reps.size();
        long b = reps.get(0).rows();
        long d = reps.get(0).columns();
        if (b < 2) {
            throw new IllegalArgumentException("Symile loss: batch size must be >= 2 for negatives, got " + b);
        }
        double s = Math.exp(logScale);
        List<INDArray> grads = new ArrayList<>(m);
        for (INDArray r : reps) {
            grads.add(Nd4j.zeros(r.dataType(), b, d));
        }
        double loss = 0;
        double gradS = 0;
        int[] chosen = TupleObjectiveLoss.anchorsOf(anchors, m);
        double coef = 1.0 / (b * chosen.length);
        for (int a : chosen) {
            INDArray x = reps.get(a);
            List<Integer> nonIdx = new ArrayList<>();
            for (int k = 0; k < m; k++) {
                if (k != a) {
                    nonIdx.add(k);
                }
            }
            // chain.get(t) = n_2 ⊗ … ⊗ n_{t+1}; chain.get(0) is a row of ones
            List<INDArray> chain = new ArrayList<>();
            chain.add(Nd4j.ones(x.dataType(), 1, d));
            for (int t = 1; t < nonIdx.size(); t++) {
                chain.add(outerRows(chain.get(t - 1), reps.get(nonIdx.get(t))));
            }
            INDArray rest = chain.get(chain.size() - 1);
            long p = rest.rows();
            INDArray n1 = reps.get(nonIdx.get(0));
            long c = Math.max(1, Math.min(b, chunkElements / Math.max(1, p * (d + b))));

            // pass 1: online log-sum-exp per row
            INDArray rowMax = Nd4j.valueArrayOf(new long[] {b, 1}, Double.NEGATIVE_INFINITY, x.dataType());
            INDArray rowSum = Nd4j.zeros(x.dataType(), b, 1);
            for (long j0 = 0; j0 < b; j0 += c) {
                long j1 = Math.min(b, j0 + c);
                INDArray z = logits(x, n1, rest, j0, j1, s);
                INDArray chunkMax = z.max(true, 1);
                INDArray newMax = Transforms.max(rowMax, chunkMax, true);
                INDArray shift = Transforms.exp(rowMax.sub(newMax), false);
                INDArray chunkSum = Transforms.exp(z.subiColumnVector(newMax), false).sum(true, 1);
                rowSum.muli(shift).addi(chunkSum);
                free(z, chunkMax, shift, chunkSum, rowMax);
                rowMax = newMax;
            }
            INDArray lse = Transforms.log(rowSum, false).addi(rowMax);
            free(rowMax);
            loss += lse.meanNumber().doubleValue() / chosen.length;

            // pass 2: gradients
            INDArray gradRest = Nd4j.zeros(x.dataType(), p, d);
            INDArray gradN1 = grads.get(nonIdx.get(0));
            INDArray restView = rest.reshape(1, p, d);
            for (long j0 = 0; j0 < b; j0 += c) {
                long j1 = Math.min(b, j0 + c);
                long rows = j1 - j0;
                INDArray n1j = Rows.range(n1, j0, j1);
                INDArray cand = outerRows(n1j, rest);
                INDArray z = Nd4j.createUninitialized(x.dataType(), b, rows * p);
                Nd4j.gemm(x, cand, z, false, true, s, 0.0);
                INDArray w = Transforms.exp(z.subColumnVector(lse), false).muli(coef);
                INDArray wz = w.mul(z);
                gradS += wz.sumNumber().doubleValue() / s;
                Nd4j.gemm(w, cand, grads.get(a), false, false, s, 1.0);
                INDArray dCand = Nd4j.createUninitialized(x.dataType(), rows * p, d);
                Nd4j.gemm(w, x, dCand, true, false, s, 0.0);
                INDArray dCand3 = dCand.reshape(rows, p, d);
                INDArray prodRest = dCand3.mul(restView);
                INDArray dN1 = prodRest.sum(1);
                Rows.range(gradN1, j0, j1).addi(dN1);
                INDArray prodN1 = dCand3.mul(n1j.reshape(rows, 1, d));
                INDArray dRest = prodN1.sum(0);
                gradRest.addi(dRest);
                free(cand, z, w, wz, dCand, prodRest, dN1, prodN1, dRest);
            }
            free(lse);
            // back through R = n_2 ⊗ … ⊗ n_{M-1}
            for (int t = chain.size() - 1; t >= 1; t--) {
                INDArray prev = chain.get(t - 1);
                INDArray nk = reps.get(nonIdx.get(t));
                long pp = prev.rows();
                INDArray g3 = gradRest.reshape(pp, b, d);
                grads.get(nonIdx.get(t)).addi(g3.mul(prev.reshape(pp, 1, d)).sum(0));
                gradRest = g3.mul(nk.reshape(1, b, d)).sum(1);
            }
        }
        // positive term: − s · mean_i Π_m r_m[i] summed over features
        INDArray prodAll = reps.get(0).dup();
        for (int k = 1; k < m; k++) {
            prodAll.muli(reps.get(k));
        }
        double meanPos = prodAll.sumNumber().doubleValue() / b;
        double keep = 1 - eps;
        loss -= keep * s * meanPos;
        gradS -= keep * meanPos;
        for (int k = 0; k < m; k++) {
            INDArray others = Nd4j.ones(reps.get(k).dataType(), b, d);
            for (int o = 0; o < m; o++) {
                if (o != k) {
                    others.muli(reps.get(o));
                }
            }
            grads.get(k).subi(others.muli(keep * s / b));
        }
        if (eps > 0) {
            smoothing(reps, s, grads);
            INDArray means = reps.get(0).mean(true, 0);
            for (int k = 1; k < m; k++) {
                means.muli(reps.get(k).mean(true, 0));
            }
            double meanLogit = means.sumNumber().doubleValue();
            loss -= eps * s * meanLogit;
            gradS -= eps * meanLogit;
        }
        return new LossGradients(loss, grads, gradS * s);
    }

    /** ∂/∂r_k of −ε·s·MIP(mean r_1, …, mean r_M): −ε·s/B · Π_{l≠k} mean r_l on every row. */
    private void smoothing(List<INDArray> reps, double s, List<INDArray> grads) {
        int m = reps.size();
        long b = reps.get(0).rows();
        for (int k = 0; k < m; k++) {
            INDArray others = Nd4j.ones(reps.get(k).dataType(), 1, reps.get(k).columns());
            for (int o = 0; o < m; o++) {
                if (o != k) {
                    others.muli(reps.get(o).mean(true, 0));
                }
            }
            grads.get(k).subiRowVector(others.muli(eps * s / b));
        }
    }

    /** Returns chunk temporaries to the allocator now instead of at the next garbage collection. */
    private static void free(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    private static INDArray logits(INDArray x, INDArray n1, INDArray rest, long j0, long j1, double s) {
        INDArray cand = outerRows(Rows.range(n1, j0, j1), rest);
        INDArray z = Nd4j.createUninitialized(x.dataType(), x.rows(), cand.rows());
        Nd4j.gemm(x, cand, z, false, true, s, 0.0);
        free(cand);
        return z;
    }

    /** Row (p, q) of the result is a[p] ⊙ b[q]: [P,d] x [Q,d] -> [P·Q, d]. */
    static INDArray outerRows(INDArray a, INDArray b) {
        long d = a.columns();
        // written straight into a [P·Q, d] array (through a [P, Q, d] view of it), so the result owns its buffer
        // and can be closed
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.rows() * b.rows(), d);
        Nd4j.exec(new MulOp(a.reshape(a.rows(), 1, d), b.reshape(1, b.rows(), d), out.reshape(a.rows(), b.rows(), d)));
        return out;
    }

    @Override
    public String toString() {
        return "SymileNSquaredLean[chunkElements=" + chunkElements + "]";
    }
}
