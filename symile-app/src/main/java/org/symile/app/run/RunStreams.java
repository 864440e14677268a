package org.symile.app.run;

import java.util.Arrays;
import org.symile.app.train.RngStream;

/**
 * The random streams of one run, each derived from the run seed, the run's own ids (binary_xor: the p̂ index) and
 * a purpose tag, so they are independent of each other and of how many runs train at once.
 *
 * @param seed the run seed ({@code --seed} with {@code --use_seed True}, else drawn and recorded)
 * @param ids  ids of this run within its experiment (empty for symile_m3 and symile_mimic)
 */
public record RunStreams(long seed, long[] ids) {

    public RunStreams {
        ids = ids.clone();
    }

    /** The stream for {@code tag} (e.g. "init", "shuffle", "data") and further ids (e.g. a test draw). */
    public RngStream stream(String tag, long... more) {
        long[] all = Arrays.copyOf(ids, ids.length + more.length);
        System.arraycopy(more, 0, all, ids.length, more.length);
        return RngStream.derive(seed, tag, all);
    }
}
