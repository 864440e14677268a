package org.symile.app.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.symile.data.TensorSource;
import org.symile.data.TensorStats;

/** One tensor's summary, streamed: {@code {format, dtype, shape, min, max, mean, head}}, and its line of text. */
final class TensorSummary {
    private TensorSummary() {
    }

    static ObjectNode of(String format, TensorSource t) {
        TensorStats s = TensorStats.of(t);
        ObjectNode n = Inspection.JSON.createObjectNode();
        n.put("format", format);
        n.put("dtype", t.elementType().numpyName());
        ArrayNode shape = n.putArray("shape");
        for (long d : t.shape()) {
            shape.add(d);
        }
        putNumber(n, "min", s.min());
        putNumber(n, "max", s.max());
        putNumber(n, "mean", s.mean());
        ArrayNode head = n.putArray("head");
        for (double v : s.head()) {
            head.add(v);
        }
        return n;
    }

    static String line(JsonNode n) {
        return String.format("%s %s %s  min %s  max %s  mean %s  head %s", n.path("format").asText(),
                n.path("dtype").asText(), n.path("shape"), n.path("min"), n.path("max"), n.path("mean"),
                n.path("head"));
    }

    private static void putNumber(ObjectNode n, String k, double v) {
        if (Double.isNaN(v)) {
            n.putNull(k);
        } else {
            n.put(k, v);
        }
    }
}
