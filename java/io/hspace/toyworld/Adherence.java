package io.hspace.toyworld;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Toy World quality gates (DESIGN.md): for fully specified prompts, the share of images
 * whose attribute the reader confirms (gate: at least {@link #MIN_ACCURACY} per attribute);
 * for each left-out attribute of a prompt, the measured frequency of every value against the
 * one the prior table plants (gate: within {@link #MAX_DEVIATION}).
 */
public final class Adherence {

    /** Required share of confirmed attributes for fully specified prompts. */
    public static final double MIN_ACCURACY = 0.90;
    /** Allowed gap between measured and planted frequency of a left-out attribute's value. */
    public static final double MAX_DEVIATION = 0.10;

    /** One cell of the left-out comparison. */
    public record Cell(String prompt, Attribute attribute, Enum<?> value, int count, int images,
                       double measured, double planted) {
        /** Whether the measured frequency is within {@link #MAX_DEVIATION} of the planted one. */
        public boolean passes() {
            return Math.abs(measured - planted) <= MAX_DEVIATION;
        }
    }

    private final PriorTable table;
    private final Map<Attribute, int[]> full = new EnumMap<>(Attribute.class);
    private final Map<String, List<Stated>> leftOut = new LinkedHashMap<>();

    /** Scores against {@code table}, the prior table the model was trained on. */
    public Adherence(PriorTable table) {
        this.table = table;
        for (Attribute a : Attribute.values()) {
            full.put(a, new int[2]);
        }
    }

    /** Adds one image generated for {@code prompt} and what the reader saw in it. */
    public void add(String prompt, Stated read) {
        Stated stated = CaptionGrammar.parse(prompt);
        if (stated.leftOut().isEmpty()) {
            for (Attribute a : Attribute.values()) {
                int[] c = full.get(a);
                c[0] += stated.get(a) == read.get(a) ? 1 : 0;
                c[1]++;
            }
        } else {
            leftOut.computeIfAbsent(CaptionGrammar.caption(stated), k -> new ArrayList<>()).add(read);
        }
    }

    /** Images of fully specified prompts seen so far. */
    public int fullySpecifiedImages() {
        return full.get(Attribute.SHAPE)[1];
    }

    /** Share of fully specified images whose attribute {@code a} the reader confirmed (NaN if none). */
    public double accuracy(Attribute a) {
        int[] c = full.get(a);
        return c[1] == 0 ? Double.NaN : c[0] / (double) c[1];
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
        for (Attribute a : Attribute.values()) {
            if (full.get(a)[1] > 0 && accuracy(a) < MIN_ACCURACY) {
                return false;
            }
        }
        return cells().stream().allMatch(Cell::passes);
    }

    /** The human-readable report: one line per attribute, then every cell with its count. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("fully specified prompts: %d images (gate >= %.2f per attribute)%n",
                fullySpecifiedImages(), MIN_ACCURACY));
        for (Attribute a : Attribute.values()) {
            int[] c = full.get(a);
            b.append(String.format("  %-10s %.3f (%d/%d) %s%n", a.word(), accuracy(a), c[0], c[1],
                    c[1] == 0 ? "-" : accuracy(a) >= MIN_ACCURACY ? "PASS" : "FAIL"));
        }
        b.append(String.format("left-out attributes: measured vs planted frequency (gate |diff| <= %.2f)%n",
                MAX_DEVIATION));
        String last = "";
        for (Cell c : cells()) {
            String head = c.prompt() + " / " + c.attribute().word();
            if (!head.equals(last)) {
                b.append(String.format("  '%s' %s (%d images)%n", c.prompt(), c.attribute().word(), c.images()));
                last = head;
            }
            b.append(String.format("    %-8s measured %.3f (%3d)  planted %.3f  %s%n", Attribute.wordOf(c.value()),
                    c.measured(), c.count(), c.planted(), c.passes() ? "PASS" : "FAIL"));
        }
        long failed = cells().stream().filter(c -> !c.passes()).count();
        b.append(String.format("cells: %d, failing: %d; overall %s%n", cells().size(), failed,
                passes() ? "PASS" : "FAIL"));
        return b.toString();
    }
}
