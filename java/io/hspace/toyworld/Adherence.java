package io.hspace.toyworld;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Toy World quality gates (DESIGN.md): for fully specified prompts, the share of images
 * whose attribute the reader confirms (gate: at least {@link #MIN_ACCURACY} per attribute);
 * for each left-out attribute of a prompt, the measured frequency of every value against the
 * one the prior table plants (gate: within {@link #MAX_DEVIATION}). The confusion of stated
 * against read values on fully specified prompts tells which values a failing gate mixes up,
 * and the accuracy by stated value where it fails (small shapes, say, rather than large ones).
 */
public final class Adherence {

    /** Required share of confirmed attributes for fully specified prompts. */
    public static final double MIN_ACCURACY = 0.90;
    /** Allowed gap between measured and planted frequency of a left-out attribute's value. */
    public static final double MAX_DEVIATION = 0.10;

    /** One cell of the left-out comparison. */
    public record Cell(String prompt, Attribute attribute, Enum<?> value, int count, int images,
                       double measured, double planted) {
        /**
         * Whether the measured frequency is within {@link #MAX_DEVIATION} of the planted one, the
         * bound included: a gap of exactly 0.10 passes whatever the last bits of the planted
         * marginal (a sum over the table) hold.
         */
        public boolean passes() {
            return Math.abs(measured - planted) <= MAX_DEVIATION + 1e-9;
        }
    }

    private final PriorTable table;
    /** Per attribute, counts of [stated value][read value], the last column for images the reader could not read. */
    private final Map<Attribute, int[][]> confusion = new EnumMap<>(Attribute.class);
    /** Per attribute read, per stated attribute, per stated value: fully specified images whose read attribute was right. */
    private final Map<Attribute, Map<Attribute, int[]>> rightByStated = new EnumMap<>(Attribute.class);
    private final Map<String, List<Stated>> leftOut = new LinkedHashMap<>();

    /** Scores against {@code table}, the prior table the model was trained on. */
    public Adherence(PriorTable table) {
        this.table = table;
        for (Attribute a : Attribute.values()) {
            confusion.put(a, new int[a.domain().size()][a.domain().size() + 1]);
            Map<Attribute, int[]> byStated = new EnumMap<>(Attribute.class);
            for (Attribute given : Attribute.values()) {
                byStated.put(given, new int[given.domain().size()]);
            }
            rightByStated.put(a, byStated);
        }
    }

    /** Adds one image generated for {@code prompt} and what the reader saw in it. */
    public void add(String prompt, Stated read) {
        Stated stated = CaptionGrammar.parse(prompt);
        if (stated.leftOut().isEmpty()) {
            for (Attribute a : Attribute.values()) {
                Enum<?> seen = read.get(a);
                confusion.get(a)[stated.get(a).ordinal()][seen == null ? a.domain().size() : seen.ordinal()]++;
                if (seen == stated.get(a)) {
                    for (Attribute given : Attribute.values()) {
                        rightByStated.get(a).get(given)[stated.get(given).ordinal()]++;
                    }
                }
            }
        } else {
            leftOut.computeIfAbsent(CaptionGrammar.caption(stated), k -> new ArrayList<>()).add(read);
        }
    }

    /** Images of fully specified prompts seen so far. */
    public int fullySpecifiedImages() {
        int n = 0;
        for (int[] row : confusion.get(Attribute.SHAPE)) {
            for (int c : row) {
                n += c;
            }
        }
        return n;
    }

    /** Share of fully specified images whose attribute {@code a} the reader confirmed (NaN if none). */
    public double accuracy(Attribute a) {
        int right = 0;
        int[][] c = confusion.get(a);
        for (int i = 0; i < c.length; i++) {
            right += c[i][i];
        }
        int n = fullySpecifiedImages();
        return n == 0 ? Double.NaN : right / (double) n;
    }

    /**
     * Counts of fully specified images by the value {@code a} the prompt stated (rows, in domain
     * order) and the value read (columns, in domain order, then one column for unreadable images).
     */
    public int[][] confusion(Attribute a) {
        int[][] c = confusion.get(a);
        int[][] copy = new int[c.length][];
        for (int i = 0; i < c.length; i++) {
            copy[i] = c[i].clone();
        }
        return copy;
    }

    /**
     * Share of the fully specified images whose prompt stated {@code value} for {@code given}
     * in which the reader confirmed attribute {@code a} (NaN if there are none).
     */
    public double accuracy(Attribute a, Attribute given, Enum<?> value) {
        if (!given.domain().contains(value)) {
            throw new IllegalArgumentException(Attribute.wordOf(value) + " is not a " + given.word());
        }
        int n = 0;
        for (int count : confusion.get(given)[value.ordinal()]) {
            n += count;
        }
        return n == 0 ? Double.NaN : rightByStated.get(a).get(given)[value.ordinal()] / (double) n;
    }

    /** Every (prompt, left-out attribute, value) cell, in prompt order. */
    public List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        for (Map.Entry<String, List<Stated>> e : leftOut.entrySet()) {
            Stated stated = CaptionGrammar.parse(e.getKey());
            List<Stated> reads = e.getValue();
            for (Attribute a : stated.leftOut()) {
                double[] planted = table.marginal(stated, a);
                int[] counts = new int[planted.length];
                for (Stated r : reads) {
                    if (r.get(a) != null) {
                        counts[r.get(a).ordinal()]++;
                    }
                }
                for (int i = 0; i < planted.length; i++) {
                    out.add(new Cell(e.getKey(), a, a.domain().get(i), counts[i], reads.size(),
                            counts[i] / (double) reads.size(), planted[i]));
                }
            }
        }
        return out;
    }

    /** Whether every gate that has data passes. */
    public boolean passes() {
        return accuracyPasses() && cells().stream().allMatch(Cell::passes);
    }

    /** Whether every attribute measured reaches {@link #MIN_ACCURACY}; with no fully specified image there is nothing to fail. */
    private boolean accuracyPasses() {
        for (Attribute a : Attribute.values()) {
            double acc = accuracy(a);
            if (!Double.isNaN(acc) && acc < MIN_ACCURACY) {
                return false;
            }
        }
        return true;
    }

    /**
     * The human-readable report under a first line of {@code settings}: per-attribute accuracy,
     * the confusion of every attribute not read perfectly and its accuracy by every stated
     * value, then every left-out cell with planted, measured, count and |diff|, and the verdicts.
     */
    public String report(String settings) {
        StringBuilder b = new StringBuilder(settings).append('\n');
        b.append(String.format(Locale.ROOT, "fully specified prompts: %d images (gate >= %.2f per attribute)%n",
                fullySpecifiedImages(), MIN_ACCURACY));
        for (Attribute a : Attribute.values()) {
            double acc = accuracy(a);
            b.append(Double.isNaN(acc) ? String.format(Locale.ROOT, "  %-10s accuracy -  (no fully specified images)%n", a.word())
                    : String.format(Locale.ROOT, "  %-10s accuracy %.3f  %s%n", a.word(), acc, acc < MIN_ACCURACY ? "FAIL" : "PASS"));
        }
        for (Attribute a : Attribute.values()) {
            if (accuracy(a) < 1) {
                appendConfusion(b, a);
                appendAccuracyByStated(b, a);
            }
        }
        b.append(String.format(Locale.ROOT, "left-out attributes: measured vs planted frequency (gate |diff| <= %.2f)%n",
                MAX_DEVIATION));
        b.append(String.format(Locale.ROOT, "  %-22s %-10s %-8s %7s %8s %7s %6s  %s%n", "prompt", "attribute", "value",
                "planted", "measured", "count", "|diff|", "gate"));
        List<Cell> cells = cells();
        for (Cell c : cells) {
            b.append(String.format(Locale.ROOT, "  %-22s %-10s %-8s %7.3f %8.3f %3d/%-3d %6.3f  %s%n", "'" + c.prompt() + "'",
                    c.attribute().word(), Attribute.wordOf(c.value()), c.planted(), c.measured(), c.count(), c.images(),
                    Math.abs(c.measured() - c.planted()), c.passes() ? "PASS" : "FAIL"));
        }
        long failed = cells.stream().filter(c -> !c.passes()).count();
        b.append(String.format(Locale.ROOT, "accuracy gate: %s; prior gate: %d/%d cells pass, %s; overall %s%n",
                accuracyPasses() ? "PASS" : "FAIL", cells.size() - failed, cells.size(), failed == 0 ? "PASS" : "FAIL",
                passes() ? "PASS" : "FAIL"));
        return b.toString();
    }

    private void appendConfusion(StringBuilder b, Attribute a) {
        b.append(String.format(Locale.ROOT, "  %s confusion (rows stated, columns read, '-' unreadable):%n", a.word()));
        b.append(String.format(Locale.ROOT, "    %-10s", ""));
        for (Enum<?> v : a.domain()) {
            b.append(String.format(Locale.ROOT, " %8s", Attribute.wordOf(v)));
        }
        b.append(String.format(Locale.ROOT, " %8s%n", "-"));
        int[][] c = confusion.get(a);
        for (int i = 0; i < c.length; i++) {
            b.append(String.format(Locale.ROOT, "    %-10s", Attribute.wordOf(a.domain().get(i))));
            for (int n : c[i]) {
                b.append(String.format(Locale.ROOT, " %8d", n));
            }
            b.append('\n');
        }
    }

    private void appendAccuracyByStated(StringBuilder b, Attribute a) {
        b.append(String.format(Locale.ROOT, "  %s accuracy by stated value:%n", a.word()));
        for (Attribute given : Attribute.values()) {
            b.append(String.format(Locale.ROOT, "    %-10s", given.word()));
            for (Enum<?> v : given.domain()) {
                double acc = accuracy(a, given, v);
                b.append(String.format(Locale.ROOT, " %s %s", Attribute.wordOf(v), Double.isNaN(acc) ? "-" : String.format(Locale.ROOT, "%.3f", acc)));
            }
            b.append('\n');
        }
    }
}
