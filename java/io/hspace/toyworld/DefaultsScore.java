package io.hspace.toyworld;

import io.hspace.analysis.Agreement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The defaults analysis scored against a prior table. Each defaults cell (neutral prompt n,
 * variants n+a_i) is mapped to the prior table through the caption grammar: n states some
 * attributes, every variant states one more (the same attribute for all variants), and the
 * planted probability of variant i is the table's marginal of that attribute for images
 * captioned n ({@link PriorTable#marginal}), renormalised over the cell's variants.
 * <ul>
 * <li>{@code defaults_top1_accuracy}: over cells whose planted distribution is not uniform,
 * the share whose top-scored variant has the highest planted probability (a tie for the highest
 * planted probability accepts either);</li>
 * <li>{@code defaults_spearman}: Spearman's rho between default scores and planted
 * probabilities over every variant of every cell;</li>
 * <li>{@code control_false_positive_rate}: over control cells (uniform planted distribution),
 * the share with a finding, i.e. a corrected p-value (q) below alpha;</li>
 * <li>{@code defaults_majority_cells}, {@code defaults_control_cells}: how many cells each
 * figure rests on.</li>
 * </ul>
 */
public final class DefaultsScore implements Scorecard.Section {

    /** Planted probabilities this close count as equal (uniform rows, ties). */
    private static final double EPS = 1e-9;

    /**
     * One cell of the defaults results.
     *
     * @param neutral the neutral prompt
     * @param variants the variant prompts
     * @param scores the default score of each variant
     * @param q the cell's corrected p-value
     */
    public record Cell(String neutral, List<String> variants, double[] scores, double q) {
        public Cell {
            variants = List.copyOf(variants);
            if (variants.size() != scores.length) {
                throw new IllegalArgumentException("cell '" + neutral + "': " + variants.size() + " variants but "
                        + scores.length + " scores");
            }
        }

        /** The index of the highest score (the first on ties). */
        public int top() {
            int t = 0;
            for (int i = 1; i < scores.length; i++) {
                if (scores[i] > scores[t]) {
                    t = i;
                }
            }
            return t;
        }
    }

    /**
     * A cell with its ground truth.
     *
     * @param cell the cell
     * @param attribute the attribute its variants state and its neutral prompt leaves out
     * @param planted the planted probability of each variant, renormalised over the variants
     */
    public record Planted(Cell cell, Attribute attribute, double[] planted) {
        /** Whether the planted distribution over the variants is uniform (a control cell). */
        public boolean control() {
            for (double p : planted) {
                if (Math.abs(p - planted[0]) > EPS) {
                    return false;
                }
            }
            return true;
        }

        /** Whether the top-scored variant has the highest planted probability. */
        public boolean topCorrect() {
            double max = 0;
            for (double p : planted) {
                max = Math.max(max, p);
            }
            return planted[cell.top()] >= max - EPS;
        }
    }

    private final List<Planted> cells = new ArrayList<>();
    private final double alpha;

    /**
     * Maps every cell to the prior table.
     *
     * @param alpha the significance level of a finding
     * @throws IllegalArgumentException naming the cell whose prompts are not a Toy World defaults cell
     */
    public DefaultsScore(PriorTable table, List<Cell> cells, double alpha) {
        this.alpha = alpha;
        for (Cell c : cells) {
            this.cells.add(plant(table, c));
        }
    }

    /** The planted cells, in the order given. */
    public List<Planted> planted() {
        return List.copyOf(cells);
    }

    /**
     * The ground truth of one cell, found by parsing its prompts with the caption grammar.
     *
     * @throws IllegalArgumentException when a prompt does not parse, or the variants do not each
     *     add the same one attribute to the neutral prompt
     */
    public static Planted plant(PriorTable table, Cell c) {
        Stated neutral = parse(c, c.neutral());
        Attribute attribute = null;
        Enum<?>[] values = new Enum<?>[c.variants().size()];
        for (int i = 0; i < values.length; i++) {
            Stated v = parse(c, c.variants().get(i));
            Attribute added = null;
            for (Attribute a : Attribute.values()) {
                if (neutral.get(a) != null && neutral.get(a) != v.get(a)) {
                    throw notACell(c, "variant '" + c.variants().get(i) + "' changes the " + a.word() + " the neutral prompt states");
                }
                if (neutral.get(a) == null && v.get(a) != null) {
                    if (added != null) {
                        throw notACell(c, "variant '" + c.variants().get(i) + "' adds more than one attribute");
                    }
                    added = a;
                }
            }
            if (added == null || (attribute != null && added != attribute)) {
                throw notACell(c, "the variants must each add the same one attribute");
            }
            attribute = added;
            values[i] = v.get(added);
        }
        double[] marginal = table.marginal(neutral, attribute);
        double[] p = new double[values.length];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            p[i] = marginal[values[i].ordinal()];
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] = sum > 0 ? p[i] / sum : 1.0 / p.length;
        }
        return new Planted(c, attribute, p);
    }

    private static Stated parse(Cell c, String prompt) {
        try {
            return CaptionGrammar.parse(prompt);
        } catch (IllegalArgumentException e) {
            throw notACell(c, e.getMessage());
        }
    }

    private static IllegalArgumentException notACell(Cell c, String why) {
        return new IllegalArgumentException("defaults cell '" + c.neutral() + "' is not a Toy World cell: " + why);
    }

    /** Share of non-control cells whose top variant is a planted argmax (NaN without such cells). */
    public double topAccuracy() {
        List<Planted> majority = cells.stream().filter(p -> !p.control()).toList();
        return majority.isEmpty() ? Double.NaN : majority.stream().filter(Planted::topCorrect).count() / (double) majority.size();
    }

    /** Spearman's rho of scores against planted probabilities over all variants (NaN with fewer than two). */
    public double spearman() {
        List<double[]> pairs = new ArrayList<>();
        for (Planted p : cells) {
            for (int i = 0; i < p.planted().length; i++) {
                pairs.add(new double[] {p.cell().scores()[i], p.planted()[i]});
            }
        }
        if (pairs.size() < 2) {
            return Double.NaN;
        }
        return Agreement.spearman(pairs.stream().mapToDouble(x -> x[0]).toArray(), pairs.stream().mapToDouble(x -> x[1]).toArray());
    }

    /** Share of control cells with q below alpha (NaN without control cells). */
    public double controlFalsePositiveRate() {
        List<Planted> control = cells.stream().filter(Planted::control).toList();
        return control.isEmpty() ? Double.NaN : control.stream().filter(p -> p.cell().q() < alpha).count() / (double) control.size();
    }

    @Override
    public List<Scorecard.Line> lines() {
        long controls = cells.stream().filter(Planted::control).count();
        return List.of(
                new Scorecard.Line("defaults_top1_accuracy", topAccuracy()),
                new Scorecard.Line("defaults_spearman", spearman()),
                new Scorecard.Line("control_false_positive_rate", controlFalsePositiveRate()),
                new Scorecard.Line("defaults_majority_cells", cells.size() - controls),
                new Scorecard.Line("defaults_control_cells", controls));
    }

    @Override
    public String details() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "defaults cells against the prior table (finding: q < %.3g)%n", alpha));
        for (Planted p : cells) {
            Cell c = p.cell();
            b.append(String.format(Locale.ROOT, "  '%s' %s: %s, q %.4f%s%n", c.neutral(), p.attribute().word(),
                    p.control() ? "control" : "top " + (p.topCorrect() ? "correct" : "wrong"), c.q(),
                    p.control() && c.q() < alpha ? " FALSE POSITIVE" : ""));
            for (int i = 0; i < p.planted().length; i++) {
                b.append(String.format(Locale.ROOT, "    %-40s score %+.4f  planted %.3f%s%n", c.variants().get(i),
                        c.scores()[i], p.planted()[i], i == c.top() ? "  <- top" : ""));
            }
        }
        return b.toString();
    }
}
