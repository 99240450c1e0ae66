package io.hspace.toyworld;

import io.hspace.analysis.DiscoverAnalysis;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores the discover analysis against a Toy World prior table: for each discover prompt that
 * the caption grammar parses, every attribute it leaves out whose planted distribution (the
 * table's marginal given what the prompt states, {@link PriorTable#marginal}) has a value at least
 * {@link #PLANTED_MARGIN} above uniform is a target; the target is found when a value of highest planted probability is among the top 3
 * ranked words. Prompts outside the grammar and uniform (control) attributes are not scored.
 */
public final class DiscoveryScores {
    /**
     * How far the largest planted probability must exceed uniform for the attribute to count as
     * planted: the 0.10 tolerance of DESIGN.md's quality gate on left-out frequencies (a smaller
     * lean, e.g. a background 0.35 reached only through a chain of conditionals, is within what
     * a passing model may miss).
     */
    public static final double PLANTED_MARGIN = 0.10;
    /** Probabilities this close count as tied for the majority. */
    static final double TIE = 1e-9;

    private DiscoveryScores() {}

    /**
     * One scored (prompt, attribute).
     *
     * @param prompt the discover prompt
     * @param attribute the left-out attribute
     * @param planted the words of its most probable values
     * @param probability their planted probability
     * @param top3 the cell's three best ranked words (fewer when fewer were tested)
     * @param found whether a planted word is in top3
     */
    public record Target(String prompt, String attribute, List<String> planted, double probability, List<String> top3,
            boolean found) {}

    /**
     * Recall at k over the targets.
     *
     * @param found targets found
     * @param targets every target
     */
    public record Recall(int found, List<Target> targets) implements Scorecard.Section {
        /** found / targets; NaN when no cell has a planted value. */
        public double value() {
            return targets.isEmpty() ? Double.NaN : (double) found / targets.size();
        }

        @Override
        public List<Scorecard.Line> lines() {
            return List.of(new Scorecard.Line("discovery_recall_at_" + RECALL_K, value()));
        }

        @Override
        public String details() {
            StringBuilder b = new StringBuilder("discovery: planted value among the top " + RECALL_K + " words\n");
            for (Target t : targets) {
                b.append(String.format(java.util.Locale.ROOT, "  %-40s %-10s planted %s (%.2f)  top %s  %s%n", t.prompt(),
                        t.attribute(), t.planted(), t.probability(), t.top3(), t.found() ? "found" : "missed"));
            }
            return b.toString();
        }
    }

    /** The k of the scorecard's recall. */
    static final int RECALL_K = 3;

    /** {@code discovery_recall_at_3} of discover results against {@code priors}. */
    public static Recall recallAt3(List<DiscoverAnalysis.CellResult> results, PriorTable priors) {
        return recallAt(results, priors, RECALL_K);
    }

    /** Recall at {@code k} (see the class comment). */
    public static Recall recallAt(List<DiscoverAnalysis.CellResult> results, PriorTable priors, int k) {
        List<Target> targets = new ArrayList<>();
        int found = 0;
        for (DiscoverAnalysis.CellResult r : results) {
            Stated stated;
            try {
                stated = CaptionGrammar.parse(r.cell().prompt());
            } catch (IllegalArgumentException e) {
                continue;
            }
            List<String> top = r.words().subList(0, Math.min(k, r.words().size()));
            for (Attribute a : stated.leftOut()) {
                double[] p = priors.marginal(stated, a);
                double max = 0;
                for (double v : p) {
                    max = Math.max(max, v);
                }
                if (max <= 1.0 / p.length + PLANTED_MARGIN) {
                    continue;
                }
                List<String> planted = new ArrayList<>();
                for (int i = 0; i < p.length; i++) {
                    if (p[i] >= max - TIE) {
                        planted.add(Attribute.wordOf(a.domain().get(i)));
                    }
                }
                boolean hit = planted.stream().anyMatch(top::contains);
                found += hit ? 1 : 0;
                targets.add(new Target(r.cell().prompt(), a.word(), planted, max, List.copyOf(top), hit));
            }
        }
        return new Recall(found, targets);
    }
}
