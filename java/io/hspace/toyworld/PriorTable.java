package io.hspace.toyworld;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The prior table: from which distribution a caption's left-out attribute is drawn, given
 * another attribute of the same image. Loaded from a JSON file of this form:
 *
 * <pre>{@code
 * {
 *   "color": {
 *     "given": "shape",
 *     "table": {
 *       "circle":   {"red": 0.7, "rest": "uniform"},
 *       "triangle": {"green": 0.45, "orange": 0.45, "rest": "uniform"},
 *       "cross":    "uniform"
 *     },
 *     "default": "uniform"
 *   },
 *   "size": {"given": "shape", "table": {"star": {"small": 0.8, "large": 0.2}}}
 * }
 * }</pre>
 *
 * A row is {@code "uniform"} or an object of value probabilities; with {@code "rest":
 * "uniform"} the mass left over is split evenly over the values the row does not name,
 * otherwise the named values must sum to 1 and the others get 0. {@code "default"} (itself a
 * row, {@code "uniform"} when absent) applies to given values the table does not list. An
 * attribute missing from the file is uniform. When the given attribute is itself unknown at
 * drawing time (left out and not drawn yet) the draw is uniform.
 */
public final class PriorTable {

    /** Tolerance on a row's sum, for decimal fractions written in JSON. */
    private static final double SUM_TOLERANCE = 1e-6;

    private record Conditional(Attribute given, Map<Enum<?>, double[]> rows, double[] fallback) {}

    private final Map<Attribute, Conditional> conditionals;

    private PriorTable(Map<Attribute, Conditional> conditionals) {
        this.conditionals = conditionals;
    }

    /** The table where every left-out attribute is uniform. */
    public static PriorTable uniform() {
        return new PriorTable(new EnumMap<>(Attribute.class));
    }

    /**
     * Loads and validates a prior file.
     *
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the file and the field when it is invalid
     */
    public static PriorTable load(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return parse(root, file.toString());
    }

    /**
     * Validates a prior table given as parsed JSON; {@code source} names it in errors.
     *
     * @throws IllegalArgumentException naming the source and the field when it is invalid
     */
    public static PriorTable parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": the top level must be a JSON object");
        }
        Map<Attribute, Conditional> conditionals = new EnumMap<>(Attribute.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("description")) {
                continue;
            }
            Attribute target = named(source, e.getKey(), () -> Attribute.lookup(e.getKey()));
            conditionals.put(target, parseConditional(source + ": " + target.word(), target, e.getValue()));
        }
        return new PriorTable(conditionals);
    }

    private static Conditional parseConditional(String where, Attribute target, JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": must be an object with \"given\" and \"table\"");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("given", "table", "default").contains(name)) {
                throw new IllegalArgumentException(where + ": unknown field '" + name
                        + "'; valid: given, table, default");
            }
        }
        JsonNode givenNode = node.get("given");
        if (givenNode == null || !givenNode.isTextual()) {
            throw new IllegalArgumentException(where + ".given: missing; name the attribute it depends on");
        }
        Attribute given = named(where + ".given", givenNode.asText(), () -> Attribute.lookup(givenNode.asText()));
        if (given == target) {
            throw new IllegalArgumentException(where + ".given: an attribute cannot be given itself");
        }
        double[] fallback = node.has("default")
                ? parseRow(where + ".default", target, node.get("default"))
                : uniformRow(target);
        Map<Enum<?>, double[]> rows = new HashMap<>();
        JsonNode table = node.get("table");
        if (table == null || !table.isObject()) {
            throw new IllegalArgumentException(where + ".table: missing or not an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String rowWhere = where + ".table." + e.getKey();
            Enum<?> givenValue = named(rowWhere, e.getKey(), () -> given.lookupValue(e.getKey()));
            rows.put(givenValue, parseRow(rowWhere, target, e.getValue()));
        }
        return new Conditional(given, rows, fallback);
    }

    private static double[] parseRow(String where, Attribute target, JsonNode row) {
        if (row.isTextual() && row.asText().equals("uniform")) {
            return uniformRow(target);
        }
        if (!row.isObject()) {
            throw new IllegalArgumentException(where + ": a row is \"uniform\" or an object of probabilities");
        }
        List<Enum<?>> domain = target.domain();
        double[] p = new double[domain.size()];
        boolean[] named = new boolean[domain.size()];
        boolean restUniform = false;
        double sum = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = row.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("rest")) {
                if (!e.getValue().isTextual() || !e.getValue().asText().equals("uniform")) {
                    throw new IllegalArgumentException(where + ".rest: the only valid value is \"uniform\"");
                }
                restUniform = true;
                continue;
            }
            Enum<?> value = named(where, e.getKey(), () -> target.lookupValue(e.getKey()));
            if (!e.getValue().isNumber()) {
                throw new IllegalArgumentException(where + "." + e.getKey() + ": not a number");
            }
            double v = e.getValue().asDouble();
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(where + "." + e.getKey() + ": probability " + v
                        + " is outside [0, 1]");
            }
            p[value.ordinal()] = v;
            named[value.ordinal()] = true;
            sum += v;
        }
        int unnamed = 0;
        for (boolean n : named) {
            unnamed += n ? 0 : 1;
        }
        if (restUniform && unnamed > 0) {
            if (sum > 1 + SUM_TOLERANCE) {
                throw new IllegalArgumentException(where + ": probabilities sum to " + sum
                        + ", more than 1, leaving nothing for the rest");
            }
            double rest = Math.max(0, 1 - sum) / unnamed;
            for (int i = 0; i < p.length; i++) {
                if (!named[i]) {
                    p[i] = rest;
                }
            }
        } else if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException(where + ": probabilities sum to " + sum
                    + ", not 1 (add \"rest\": \"uniform\" to spread the remainder)");
        }
        return p;
    }

    private static double[] uniformRow(Attribute target) {
        double[] p = new double[target.domain().size()];
        java.util.Arrays.fill(p, 1.0 / p.length);
        return p;
    }

    private static <T> T named(String where, String name, java.util.function.Supplier<T> lookup) {
        try {
            return lookup.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * The distribution of a left-out {@code target} given what is known so far, indexed by the
     * target's value ordinals. Uniform when the table has no entry for {@code target} or the
     * given attribute is unknown.
     */
    public double[] distribution(Attribute target, Stated known) {
        Conditional c = conditionals.get(target);
        if (c == null || known.get(c.given()) == null) {
            return uniformRow(target);
        }
        return c.rows().getOrDefault(known.get(c.given()), c.fallback()).clone();
    }

    /** The attribute {@code target} is drawn given, or {@code null} when it is unconditional. */
    public Attribute givenOf(Attribute target) {
        Conditional c = conditionals.get(target);
        return c == null ? null : c.given();
    }

    /**
     * Fills the attributes {@code stated} leaves out, in the DESIGN.md order (shape, color,
     * size, background), each from the table given what is known when it is drawn.
     */
    public Attributes complete(Stated stated, SplittableRandom rng) {
        Stated known = stated;
        for (Attribute a : Attribute.values()) {
            if (known.get(a) == null) {
                known = known.with(a, a.domain().get(draw(distribution(a, known), rng)));
            }
        }
        return known.complete();
    }

    /**
     * The exact distribution of attribute {@code a} in images captioned {@code stated}: the
     * stated value with certainty, or for a left-out attribute the marginal of the drawing
     * process of {@link #complete} (what a model trained on this table should reproduce).
     * Indexed by the attribute's value ordinals.
     */
    public double[] marginal(Stated stated, Attribute a) {
        double[] out = new double[a.domain().size()];
        accumulate(stated, 0, 1.0, a, out);
        return out;
    }

    private void accumulate(Stated known, int next, double mass, Attribute a, double[] out) {
        if (next == Attribute.values().length) {
            out[known.get(a).ordinal()] += mass;
            return;
        }
        Attribute x = Attribute.values()[next];
        if (known.get(x) != null) {
            accumulate(known, next + 1, mass, a, out);
            return;
        }
        double[] p = distribution(x, known);
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                accumulate(known.with(x, x.domain().get(i)), next + 1, mass * p[i], a, out);
            }
        }
    }

    /**
     * Draws one training caption: which attributes are left out (CaptionGrammar), the stated
     * ones uniformly, then the left-out ones from this table.
     */
    public LabeledCaption drawCaption(SplittableRandom rng) {
        Set<Attribute> leftOut = CaptionGrammar.drawLeftOut(rng);
        Stated stated = Stated.NOTHING;
        for (Attribute a : Attribute.values()) {
            if (!leftOut.contains(a)) {
                stated = stated.with(a, a.domain().get(rng.nextInt(a.domain().size())));
            }
        }
        Attributes truth = complete(stated, rng);
        return new LabeledCaption(CaptionGrammar.caption(stated), truth, leftOut);
    }

    private static int draw(double[] p, SplittableRandom rng) {
        double u = rng.nextDouble();
        double acc = 0;
        for (int i = 0; i < p.length; i++) {
            acc += p[i];
            if (u < acc) {
                return i;
            }
        }
        // Rounding can leave acc a hair under 1: fall back to the last value with mass.
        List<Integer> nonzero = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                nonzero.add(i);
            }
        }
        return nonzero.get(nonzero.size() - 1);
    }
}
