package org.symile.app.bench;

import java.util.Map;

/** One benchmark's result; {@code extra} holds benchmark-specific figures (product size, GB/s, ...). */
public record BenchResult(String name, int b, int d, int m, Timing.Stats stats, Map<String, Object> extra) {
}
