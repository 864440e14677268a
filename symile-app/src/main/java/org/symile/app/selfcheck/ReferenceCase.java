package org.symile.app.selfcheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.symile.app.spec.LossFn;
import org.symile.samediff.NegativeSampling;
import org.symile.samediff.TupleObjective;

/**
 * One reference case of {@code shared/testvectors}: float64 inputs and expected outputs computed independently
 * of this project. The kind is recognised from the fields present.
 */
public sealed interface ReferenceCase {

    /** File name the case came from. */
    String name();

    /**
     * A loss case: representations [M][B][d], log(s), expected loss and gradients, and for O(N) the
     * permutations {@code permutations[anchor][k]}.
     */
    record Loss(String name, LossFn lossFn, NegativeSampling negativeSampling, double logScale, double[][][] reps,
                double expectedLoss, double[][][] expectedGrads, double expectedGradLogScale,
                int[][][] permutations) implements ReferenceCase {
    }

    /** Zero-shot scores: candidates [C][d], queries [M-1][Q][d], expected Symile and CLIP scores [Q][C]. */
    record ZeroShot(String name, double logScale, double[][] candidates, double[][][] queries,
                    double[][] expectedSymile, double[][] expectedClip) implements ReferenceCase {
    }

    /**
     * A GRAM or TRIANGLE loss case: representations [M][B][d], the anchors whose losses are averaged, the label
     * smoothing, log(s), expected loss and gradients.
     */
    record TupleLoss(String name, TupleObjective objective, int[] anchors, double labelSmoothing, double logScale,
                     double[][][] reps, double expectedLoss, double[][][] expectedGrads,
                     double expectedGradLogScale) implements ReferenceCase {
    }

    /** GRAM or TRIANGLE zero-shot scores: candidates [C][d], queries [M-1][Q][d], expected scores [Q][C]. */
    record TupleZeroShot(String name, TupleObjective objective, double logScale, double[][] candidates,
                         double[][][] queries, double[][] expected) implements ReferenceCase {
    }

    /** Information terms of binary XOR per d_v: rows of {p_hat, mi_a_c, mi_b_c, mi_a_b_given_c, …}. */
    record Informations(String name, JsonNode table) implements ReferenceCase {
    }

    /**
     * Parses one case file.
     *
     * @param name file name, used in error messages
     * @throws IllegalArgumentException naming the file and field when the content is not a valid case
     */
    static ReferenceCase parse(String name, String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(name + ": expected a JSON object at the top level");
        }
        CaseReader r = new CaseReader(name, root);
        if (r.has("loss_fn")) {
            Optional<TupleObjective> tuple = TupleObjective.ofFlag(r.text("loss_fn"));
            if (tuple.isPresent()) {
                return r.has("expected_scores") ? parseTupleZeroShot(r, tuple.get()) : parseTupleLoss(r, tuple.get());
            }
            return parseLoss(r);
        }
        if (r.has("expected_symile_scores")) {
            return parseZeroShot(r);
        }
        boolean table = root.size() > 0;
        for (var it = root.fieldNames(); it.hasNext(); ) {
            table &= it.next().matches("\\d+");
        }
        if (table) {
            return new Informations(name, root);
        }
        throw new IllegalArgumentException(name + ": not a reference case: expected a field 'loss_fn' (loss case),"
                + " 'expected_symile_scores' (zero-shot case) or d_v keys (information terms)");
    }

    private static Loss parseLoss(CaseReader r) {
        LossFn lossFn;
        try {
            lossFn = LossFn.fromFlag(r.text("loss_fn"));
        } catch (IllegalArgumentException e) {
            throw r.error("loss_fn", "expected symile, clip, gram or triangle, got '" + r.text("loss_fn") + "'");
        }
        int m = r.integer("M");
        int b = r.integer("B");
        int d = r.integer("d");
        if (m < 2 || b < 2 || d < 1) {
            throw r.error("M", "expected M >= 2, B >= 2, d >= 1, got M=" + m + " B=" + b + " d=" + d);
        }
        NegativeSampling ns = null;
        if (lossFn == LossFn.SYMILE) {
            try {
                ns = NegativeSampling.fromFlag(r.text("negative_sampling"));
            } catch (IllegalArgumentException e) {
                throw r.error("negative_sampling", e.getMessage());
            }
        }
        double logScale = r.number("log_logit_scale");
        double[][][] reps = r.matrices("representations", m, b, d);
        double expectedLoss = r.number("expected_loss");
        double[][][] grads = r.matrices("expected_grad_representations", m, b, d);
        double gradScale = r.number("expected_grad_log_logit_scale");
        int[][][] perms = ns == NegativeSampling.N ? r.permutations("permutations", m, b) : null;
        return new Loss(r.file(), lossFn, ns, logScale, reps, expectedLoss, grads, gradScale, perms);
    }

    private static TupleLoss parseTupleLoss(CaseReader r, TupleObjective o) {
        int m = r.integer("M");
        int b = r.integer("B");
        int d = r.integer("d");
        if (m < 2 || b < 2 || d < 1) {
            throw r.error("M", "expected M >= 2, B >= 2, d >= 1, got M=" + m + " B=" + b + " d=" + d);
        }
        try {
            o.checkModalities(m);
        } catch (IllegalArgumentException e) {
            throw r.error("M", e.getMessage());
        }
        double eps = r.number("label_smoothing");
        if (!(eps >= 0 && eps < 1)) {
            throw r.error("label_smoothing", "expected a number in [0, 1), got " + eps);
        }
        return new TupleLoss(r.file(), o, r.indices("anchors", m), eps, r.number("log_logit_scale"),
                r.matrices("representations", m, b, d), r.number("expected_loss"),
                r.matrices("expected_grad_representations", m, b, d), r.number("expected_grad_log_logit_scale"));
    }

    private static TupleZeroShot parseTupleZeroShot(CaseReader r, TupleObjective o) {
        double[][] cand = r.matrix("candidates", -1, -1);
        double[][][] queries = r.matrices("queries", -1, -1, cand[0].length);
        if (queries.length == 0) {
            throw r.error("queries", "expected at least one query modality");
        }
        try {
            o.checkModalities(queries.length + 1);
        } catch (IllegalArgumentException e) {
            throw r.error("queries", e.getMessage());
        }
        return new TupleZeroShot(r.file(), o, r.number("log_logit_scale"), cand, queries,
                r.matrix("expected_scores", queries[0].length, cand.length));
    }

    private static ZeroShot parseZeroShot(CaseReader r) {
        double[][] cand = r.matrix("candidates", -1, -1);
        int d = cand[0].length;
        double[][][] queries = r.matrices("queries", -1, -1, d);
        int q = queries.length == 0 ? 0 : queries[0].length;
        List<String> fields = new ArrayList<>(List.of("expected_symile_scores", "expected_clip_scores"));
        double[][] sym = r.matrix(fields.get(0), q, cand.length);
        double[][] clip = r.matrix(fields.get(1), q, cand.length);
        if (queries.length == 0) {
            throw r.error("queries", "expected at least one query modality");
        }
        return new ZeroShot(r.file(), r.number("log_logit_scale"), cand, queries, sym, clip);
    }
}
