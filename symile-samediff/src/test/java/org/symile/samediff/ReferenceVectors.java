package org.symile.samediff;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Reads the float64 reference cases of {@code shared/testvectors} (bundled with the library as {@code org/symile/samediff/testvectors/}). */
final class ReferenceVectors {
    private ReferenceVectors() {
    }

    static JsonNode load(String file) {
        try (InputStream in = ReferenceVectors.class.getResourceAsStream("/org/symile/samediff/testvectors/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing resource org/symile/samediff/testvectors/" + file);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static INDArray matrix(JsonNode rows, DataType dtype) {
        double[][] out = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            out[i] = new double[rows.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = rows.get(i).get(j).asDouble();
            }
        }
        return Nd4j.createFromArray(out).castTo(dtype);
    }

    static List<INDArray> matrices(JsonNode list, DataType dtype) {
        List<INDArray> out = new ArrayList<>();
        for (JsonNode n : list) {
            out.add(matrix(n, dtype));
        }
        return out;
    }

    static int[][][] permutations(JsonNode node) {
        int[][][] p = new int[node.size()][][];
        for (int a = 0; a < node.size(); a++) {
            p[a] = new int[node.get(a).size()][];
            for (int k = 0; k < p[a].length; k++) {
                JsonNode perm = node.get(a).get(k);
                p[a][k] = new int[perm.size()];
                for (int i = 0; i < perm.size(); i++) {
                    p[a][k][i] = perm.get(i).asInt();
                }
            }
        }
        return p;
    }
}
