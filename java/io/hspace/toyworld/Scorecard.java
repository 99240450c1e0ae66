package io.hspace.toyworld;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Scores a Toy World study against the prior table its model was trained on: named figures
 * ({@code name: value} lines) collected from independent sections. Each section reads its own
 * analysis results (defaults, clustering, ...) and knows its own ground truth; a new analysis
 * plugs in by adding a {@link Section}.
 */
public final class Scorecard {

    /**
     * One figure.
     *
     * @param name a stable name, lower case with underscores ("defaults_spearman")
     * @param value the figure; NaN when the results hold nothing to score it on
     */
    public record Line(String name, double value) {
        /** {@code name: value}, integers without decimals, others with four, NaN as {@code nan}. */
        public String format() {
            if (Double.isNaN(value)) {
                return name + ": nan";
            }
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                return name + ": " + (long) value;
            }
            return String.format(Locale.ROOT, "%s: %.4f", name, value);
        }
    }

    /** A part of the scorecard: one analysis scored against the ground truth. */
    public interface Section {
        /** The section's figures, in print order. */
        List<Line> lines();

        /** A human-readable account of how the figures came about (per-cell tables); may be empty. */
        default String details() {
            return "";
        }
    }

    private final List<Section> sections = new ArrayList<>();

    /** Adds a section; its lines follow those of the sections added before. */
    public Scorecard add(Section section) {
        sections.add(section);
        return this;
    }

    /**
     * Every section's lines in order.
     *
     * @throws IllegalStateException naming a line that two sections both produce
     */
    public List<Line> lines() {
        List<Line> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Section s : sections) {
            for (Line l : s.lines()) {
                if (!seen.add(l.name())) {
                    throw new IllegalStateException("scorecard line '" + l.name() + "' is produced twice");
                }
                out.add(l);
            }
        }
        return out;
    }

    /** One {@code name: value} line per figure. */
    public String format() {
        StringBuilder b = new StringBuilder();
        for (Line l : lines()) {
            b.append(l.format()).append('\n');
        }
        return b.toString();
    }

    /** Every section's details, separated by blank lines. */
    public String details() {
        StringBuilder b = new StringBuilder();
        for (Section s : sections) {
            String d = s.details();
            if (!d.isEmpty()) {
                b.append(d).append(d.endsWith("\n") ? "" : "\n").append('\n');
            }
        }
        return b.toString();
    }
}
