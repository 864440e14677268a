package org.symile.app.spec;

/**
 * Upstream's {@code --text_embedding} (symile_m3): which token's state represents the text. Upstream accepts it
 * and never reads it (the text representation is the mean over all positions), and so does this port.
 */
public enum TextEmbedding {
    EOS("eos"),
    BOS("bos");

    private final String flag;

    TextEmbedding(String flag) {
        this.flag = flag;
    }

    public String flag() {
        return flag;
    }

    /** Parses {@code eos} or {@code bos}. */
    public static TextEmbedding fromFlag(String v) {
        for (TextEmbedding t : values()) {
            if (t.flag.equals(v)) {
                return t;
            }
        }
        throw new IllegalArgumentException("--text_embedding: expected eos or bos, got '" + v + "'");
    }

    @Override
    public String toString() {
        return flag;
    }
}
