package org.symile.app.selfcheck;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Typed access to the fields of one reference-case JSON file; every failure names the file and the field and
 * says what was expected.
 */
final class CaseReader {
    private final String file;
    private final JsonNode root;

    CaseReader(String file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    String file() {
        return file;
    }

    boolean has(String field) {
        return root.has(field) && !root.get(field).isNull();
    }

    JsonNode node(String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw error(field, "missing");
        }
        return n;
    }

    String text(String field) {
        JsonNode n = node(field);
        if (!n.isTextual()) {
            throw error(field, "expected a string, got " + n.getNodeType());
        }
        return n.asText();
    }

    double number(String field) {
        return number(node(field), field);
    }

    int integer(String field) {
        JsonNode n = node(field);
        if (!n.canConvertToInt()) {
            throw error(field, "expected an integer, got " + n);
        }
        return n.asInt();
    }

    /** An array of integers, each in [0, bound). */
    int[] indices(String field, int bound) {
        JsonNode n = node(field);
        if (!n.isArray() || n.isEmpty()) {
            throw error(field, "expected a non-empty array of indices, got " + n);
        }
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.canConvertToInt() || v.asInt() < 0 || v.asInt() >= bound) {
                throw error(field, "expected indices in [0, " + bound + "), got " + v);
            }
            out[i] = v.asInt();
        }
        return out;
    }

    /** A [rows][cols] array of numbers; -1 accepts any size in that dimension. */
    double[][] matrix(String field, int rows, int cols) {
        return matrix(node(field), field, rows, cols);
    }

    double[][] matrix(JsonNode n, String field, int rows, int cols) {
        if (!n.isArray() || (rows >= 0 && n.size() != rows)) {
            throw error(field, "expected an array of " + (rows >= 0 ? rows : "n") + " rows, got "
                    + (n.isArray() ? n.size() + " rows" : n.getNodeType().toString()));
        }
        double[][] out = new double[n.size()][];
        for (int i = 0; i < n.size(); i++) {
            JsonNode row = n.get(i);
            String where = field + "[" + i + "]";
            if (!row.isArray() || (cols >= 0 && row.size() != cols) || (i > 0 && row.size() != out[0].length)) {
                throw error(where, "expected a row of " + (cols >= 0 ? cols : out[0].length) + " numbers, got "
                        + (row.isArray() ? row.size() + " values" : row.getNodeType().toString()));
            }
            out[i] = new double[row.size()];
            for (int j = 0; j < row.size(); j++) {
                out[i][j] = number(row.get(j), where + "[" + j + "]");
            }
        }
        return out;
    }

    /** A list of {@code count} [rows][cols] matrices. */
    double[][][] matrices(String field, int count, int rows, int cols) {
        JsonNode n = node(field);
        if (!n.isArray() || (count >= 0 && n.size() != count)) {
            throw error(field, "expected a list of " + (count >= 0 ? count : "n") + " matrices, got "
                    + (n.isArray() ? n.size() + " entries" : n.getNodeType().toString()));
        }
        double[][][] out = new double[n.size()][][];
        for (int k = 0; k < n.size(); k++) {
            out[k] = matrix(n.get(k), field + "[" + k + "]", rows, cols);
        }
        return out;
    }

    /** {@code perms[anchor][k]}: M x (M-1) permutations of 0..B-1. */
    int[][][] permutations(String field, int m, int b) {
        JsonNode n = node(field);
        if (!n.isArray() || n.size() != m) {
            throw error(field, "expected " + m + " lists (one per anchor) of " + (m - 1) + " permutations");
        }
        int[][][] out = new int[m][m - 1][];
        for (int a = 0; a < m; a++) {
            JsonNode perAnchor = n.get(a);
            if (!perAnchor.isArray() || perAnchor.size() != m - 1) {
                throw error(field + "[" + a + "]", "expected " + (m - 1) + " permutations");
            }
            for (int k = 0; k < m - 1; k++) {
                String where = field + "[" + a + "][" + k + "]";
                JsonNode p = perAnchor.get(k);
                if (!p.isArray() || p.size() != b) {
                    throw error(where, "expected a permutation of length " + b);
                }
                boolean[] seen = new boolean[b];
                out[a][k] = new int[b];
                for (int i = 0; i < b; i++) {
                    int v = p.get(i).asInt(-1);
                    if (!p.get(i).canConvertToInt() || v < 0 || v >= b || seen[v]) {
                        throw error(where, "not a permutation of 0.." + (b - 1) + " (entry " + i + " is "
                                + p.get(i) + ")");
                    }
                    seen[v] = true;
                    out[a][k][i] = v;
                }
            }
        }
        return out;
    }

    private double number(JsonNode n, String field) {
        if (n == null || !n.isNumber()) {
            throw error(field, "expected a number, got " + (n == null ? "nothing" : n.toString()));
        }
        double v = n.asDouble();
        if (!Double.isFinite(v)) {
            throw error(field, "expected a finite number, got " + v);
        }
        return v;
    }

    IllegalArgumentException error(String field, String what) {
        return new IllegalArgumentException(file + ": field '" + field + "': " + what);
    }
}
