package io.hspace.analysis;

import io.hspace.atlas.Atlas;
import io.hspace.atlas.AtlasException;
import io.hspace.atlas.HStore;
import io.hspace.atlas.TaggedPrompt;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * Two atlases (two models, same prompts and seeds) side by side: every defaults score and mixture
 * weight and every descriptor alignment computed on both, with the difference B - A and its 95%
 * paired bootstrap interval over seeds (one resample of the seeds weights both atlases alike). A
 * finding <em>agrees</em> when the interval of the difference contains 0, and <em>moves</em>
 * otherwise.
 */
public final class CompareAnalysis {
    private CompareAnalysis() {}

    /**
     * One finding on both models.
     *
     * @param analysis {@code defaults} or {@code descriptors}
     * @param subject the cell or concept (e.g. {@code a circle / color})
     * @param item the variant or descriptor
     * @param metric {@code score}, {@code weight} or {@code alignment}
     * @param a the value on atlas A
     * @param b the value on atlas B
     * @param diff b - a
     * @param low lower end of the 95% paired bootstrap interval of diff
     * @param high upper end
     * @param moves whether the interval excludes 0
     */
    public record Finding(String analysis, String subject, String item, String metric, double a, double b, double diff,
            double low, double high, boolean moves) {}

    /**
     * Checks that the two atlases hold the same prompt table (as sets of texts).
     *
     * @throws AtlasException naming up to five prompts each atlas has and the other lacks
     */
    public static void requireSamePrompts(Atlas a, Atlas b) {
        Set<String> pa = texts(a);
        Set<String> pb = texts(b);
        List<String> onlyA = pa.stream().filter(t -> !pb.contains(t)).toList();
        List<String> onlyB = pb.stream().filter(t -> !pa.contains(t)).toList();
        if (!onlyA.isEmpty() || !onlyB.isEmpty()) {
            throw new AtlasException("the atlases hold different prompts: " + a.dir() + " has " + onlyA.size()
                    + " the other lacks " + first(onlyA) + ", " + b.dir() + " has " + onlyB.size() + " the other lacks " + first(onlyB));
        }
    }

    /** Compares the study's defaults cells and descriptor entries on the two atlases, pooled over captured steps. */
    public static List<Finding> run(HStore a, HStore b, List<DefaultsCell> defaults, List<DescriptorSet> descriptors,
            List<Long> seeds, Stats stats, Projections projections) {
        requireSamePrompts(a.atlas(), b.atlas());
        List<Finding> out = new ArrayList<>();
        for (DefaultsCell c : defaults) {
            List<String> prompts = new ArrayList<>();
            prompts.add(c.neutral());
            prompts.addAll(c.variants());
            String subject = c.neutral() + " / " + c.family();
            List<Finding> f = paired(SeedVectors.of(a, prompts, seeds, StepSelection.ALL), SeedVectors.of(b, prompts, seeds, StepSelection.ALL),
                    stats, projections, subject, DefaultsAnalysis::scoresAndWeights);
            int k = c.variants().size();
            for (int m = 0; m < 2; m++) {
                for (int i = 0; i < k; i++) {
                    Finding x = f.get(m * k + i);
                    out.add(new Finding("defaults", subject, c.labels().get(i), m == 0 ? "score" : "weight", x.a(), x.b(), x.diff(),
                            x.low(), x.high(), x.moves()));
                }
            }
        }
        for (DescriptorSet set : descriptors) {
            List<String> prompts = new ArrayList<>(set.concepts());
            prompts.addAll(set.descriptors());
            if (set.base() != null) {
                prompts.add(set.base());
            }
            int nc = set.concepts().size();
            int nd = set.descriptors().size();
            List<Finding> f = paired(SeedVectors.of(a, prompts, seeds, StepSelection.ALL), SeedVectors.of(b, prompts, seeds, StepSelection.ALL),
                    stats, projections, set.name(),
                    (g, w) -> DescriptorsAnalysis.alignments(g, w, nc, nd, set.base() != null));
            for (int i = 0; i < nc; i++) {
                for (int j = 0; j < nd; j++) {
                    Finding x = f.get(i * nd + j);
                    out.add(new Finding("descriptors", set.concepts().get(i), set.descriptors().get(j), "alignment", x.a(), x.b(),
                            x.diff(), x.low(), x.high(), x.moves()));
                }
            }
        }
        return out;
    }

    /** Values of {@code stat} on both atlases, flattened row-major, with paired bootstrap intervals of b - a. */
    static List<Finding> paired(SeedVectors a, SeedVectors b, Stats stats, Projections projections,
            String subject, BiFunction<SeedGram, double[], double[][]> stat) {
        if (a.seeds() != b.seeds()) {
            throw new IllegalArgumentException("paired seeds: " + a.seeds() + " and " + b.seeds());
        }
        SeedGram ga = new SeedGram(a, projections);
        SeedGram gb = new SeedGram(b, projections);
        double[] va = flat(stat.apply(ga, ga.uniform()));
        double[] vb = flat(stat.apply(gb, gb.uniform()));
        double[][] reps = new double[va.length][stats.bootstrap()];
        SplittableRandom rng = new SplittableRandom(stats.seed() ^ subject.hashCode());
        for (int r = 0; r < stats.bootstrap(); r++) {
            double[] w = Resampling.bootstrapWeights(a.seeds(), rng);
            double[] ra = flat(stat.apply(ga, w));
            double[] rb = flat(stat.apply(gb, w));
            for (int i = 0; i < va.length; i++) {
                reps[i][r] = rb[i] - ra[i];
            }
        }
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < va.length; i++) {
            Resampling.Interval ci = Resampling.percentile(reps[i], 0.95);
            out.add(new Finding("", subject, "", "", va[i], vb[i], vb[i] - va[i], ci.low(), ci.high(), !ci.contains(0)));
        }
        return out;
    }

    private static double[] flat(double[][] m) {
        return java.util.Arrays.stream(m).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    private static Set<String> texts(Atlas a) {
        Set<String> out = new LinkedHashSet<>();
        for (TaggedPrompt p : a.prompts()) {
            out.add(p.text());
        }
        return out;
    }

    private static String first(List<String> texts) {
        return texts.isEmpty() ? "" : "(" + String.join(", ", texts.subList(0, Math.min(5, texts.size())).stream()
                .map(t -> "'" + t + "'").toList()) + (texts.size() > 5 ? ", ..." : "") + ")";
    }
}
