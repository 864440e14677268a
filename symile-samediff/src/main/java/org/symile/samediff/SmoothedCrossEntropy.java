package org.symile.samediff;

/**
 * The symmetric cross-entropy of a square logit matrix with its diagonal as the targets and PyTorch's label
 * smoothing ε: per row i, (1 − ε)·(lse_i − L_ii) + ε·(lse_i − mean_j L_ij), likewise per column, the two means
 * averaged. Computed in double with max-shifted exponentials.
 */
final class SmoothedCrossEntropy {
    private SmoothedCrossEntropy() {
    }

    /**
     * @param logits  [B, B] row-major (read only)
     * @param weight  a factor applied to the value and the gradient (1 / the number of anchors)
     * @param dLogits null, or B² doubles to which weight·∂value/∂logits is added
     * @return weight · ½ (mean over rows + mean over columns)
     */
    static double symmetric(double[] logits, int b, double eps, double weight, double[] dLogits) {
        double total = 0;
        double[] e = new double[b];
        for (int dir = 0; dir < 2; dir++) {
            for (int i = 0; i < b; i++) {
                double max = Double.NEGATIVE_INFINITY;
                double mean = 0;
                for (int j = 0; j < b; j++) {
                    double v = logits[index(dir, i, j, b)];
                    max = Math.max(max, v);
                    mean += v;
                }
                mean /= b;
                double sum = 0;
                for (int j = 0; j < b; j++) {
                    e[j] = Math.exp(logits[index(dir, i, j, b)] - max);
                    sum += e[j];
                }
                double lse = max + Math.log(sum);
                total += (1 - eps) * (lse - logits[index(dir, i, i, b)]) + eps * (lse - mean);
                if (dLogits != null) {
                    double c = weight * 0.5 / b;
                    for (int j = 0; j < b; j++) {
                        double target = (j == i ? 1 - eps : 0) + eps / b;
                        dLogits[index(dir, i, j, b)] += c * (e[j] / sum - target);
                    }
                }
            }
        }
        return weight * 0.5 * total / b;
    }

    /** Element j of row i (dir 0) or of column i (dir 1). */
    private static int index(int dir, int i, int j, int b) {
        return dir == 0 ? i * b + j : j * b + i;
    }
}
