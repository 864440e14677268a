package org.symile.app.spec;

/**
 * {@code --spark_negatives}: which rows a Spark worker's rows are contrasted with.
 */
public enum SparkNegatives {
    /** Each worker's own batch of {@code --batch_sz_train} rows (upstream's multi-GPU runs). */
    LOCAL("local"),
    /**
     * The whole step's batch, every worker's rows together (W × {@code --batch_sz_train}): workers encode their rows,
     * the driver computes the loss over all of them and returns each worker the gradient of its representations,
     * workers back-propagate it (gradient caching across machines).
     */
    GLOBAL("global");

    private final String flag;

    SparkNegatives(String flag) {
        this.flag = flag;
    }

    /** {@code local} or {@code global}. */
    public String flag() {
        return flag;
    }

    /**
     * Parses {@code --spark_negatives}.
     *
     * @throws IllegalArgumentException naming the flag and the accepted values
     */
    public static SparkNegatives fromFlag(String v) {
        for (SparkNegatives n : values()) {
            if (n.flag.equals(v)) {
                return n;
            }
        }
        throw new IllegalArgumentException("--spark_negatives: expected local or global, got '" + v + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
