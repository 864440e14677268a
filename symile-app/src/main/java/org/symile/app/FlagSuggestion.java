package org.symile.app;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The flag a mistyped one most likely meant, for the one-line usage error: {@code --epoch} gets {@code --epochs},
 * {@code --lr_rate} gets {@code --lr}. A flag that the typed one begins with, or that begins with it, wins (the
 * closest such); otherwise the nearest by edit distance (insertions, deletions, substitutions and transpositions of
 * neighbours), if at most a third of the typed name's length (and at least 2) away.
 */
final class FlagSuggestion {
    private FlagSuggestion() {
    }

    /**
     * @param unmatched the arguments picocli could not match (flags and their values)
     * @param flags     the command's option names, with their dashes
     * @return " (did you mean --x?)" or the empty string
     */
    static String hint(List<String> unmatched, Collection<String> flags) {
        for (String arg : unmatched) {
            if (arg.startsWith("--") && arg.length() > 2) {
                String typed = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                Optional<String> best = nearest(typed, flags);
                if (best.isPresent()) {
                    return " (did you mean " + best.get() + "?)";
                }
            }
        }
        return "";
    }

    static Optional<String> nearest(String typed, Collection<String> flags) {
        String t = strip(typed);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean bestPrefix = false;
        for (String f : flags) {
            if (!f.startsWith("--")) {
                continue;
            }
            String name = strip(f);
            boolean prefix = t.startsWith(name) || name.startsWith(t);
            int d = distance(t, name);
            boolean better = prefix != bestPrefix ? prefix : d < bestDistance;
            if (better) {
                best = f;
                bestDistance = d;
                bestPrefix = prefix;
            }
        }
        if (best == null || (!bestPrefix && bestDistance > Math.max(2, t.length() / 3))) {
            return Optional.empty();
        }
        return Optional.of(best);
    }

    private static String strip(String flag) {
        return flag.replaceFirst("^-+", "");
    }

    /** Optimal string alignment distance. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
