package io.hspace.analysis;

import io.hspace.atlas.HStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Ranks descriptors d_j for each concept c by alignment(c, d_j) = cos(v(c), v(d_j)), with
 * v(p) = H(p) - mu and mu the base prompt's H or the mean H of the entry's concepts and
 * descriptors; 95% bootstrap intervals over seeds (docs/METHOD.md, "Descriptors").
 */
public final class DescriptorsAnalysis {
    private DescriptorsAnalysis() {}

    /**
     * One descriptor's alignment with one concept.
     *
     * @param descriptor the descriptor prompt
     * @param alignment cos(v(c), v(d)) from all seeds
     * @param low lower end of the 95% interval
     * @param high upper end of the 95% interval
     */
    public record Alignment(String descriptor, double alignment, double low, double high) {}

    /**
     * A concept's descriptors, best aligned first.
     *
     * @param concept the concept prompt
     * @param ranked alignments sorted descending
     */
    public record ConceptResult(String concept, List<Alignment> ranked) {}

    /**
     * One entry under one step selection.
     *
     * @param set the entry
     * @param steps the step selection
     * @param concepts per concept, in entry order
     */
    public record SetResult(DescriptorSet set, StepSelection steps, List<ConceptResult> concepts) {
        /** The alignment of concept i with descriptor j (in the entry's descriptor order). */
        public double alignment(int concept, String descriptor) {
            return concepts.get(concept).ranked().stream().filter(a -> a.descriptor().equals(descriptor)).findFirst()
                    .orElseThrow().alignment();
        }
    }

    /**
     * An entry, pooled and per captured step.
     *
     * @param pooled over the mean of all captured steps
     * @param perStep per captured step (empty when one step is captured)
     */
    public record Result(SetResult pooled, List<SetResult> perStep) {}

    /** Runs one entry on the atlas. */
    public static Result run(HStore store, DescriptorSet set, List<Long> seeds, Stats stats, Projections projections) {
        SetResult pooled = runAt(store, set, seeds, stats, projections, StepSelection.ALL);
        List<SetResult> perStep = new ArrayList<>();
        if (store.steps() > 1) {
            for (int t = 0; t < store.steps(); t++) {
                perStep.add(runAt(store, set, seeds, stats, projections, new StepSelection(t)));
            }
        }
        return new Result(pooled, perStep);
    }

    private static SetResult runAt(HStore store, DescriptorSet set, List<Long> seeds, Stats stats, Projections projections,
            StepSelection steps) {
        List<String> prompts = new ArrayList<>(set.concepts());
        prompts.addAll(set.descriptors());
        if (set.base() != null) {
            prompts.add(set.base());
        }
        return compute(set, steps, new SeedGram(SeedVectors.of(store, prompts, seeds, steps), projections), stats);
    }

    /** The entry from the Gram matrix of concepts, then descriptors, then (when named) the base prompt. */
    public static SetResult compute(DescriptorSet set, StepSelection steps, SeedGram g, Stats stats) {
        int nc = set.concepts().size();
        int nd = set.descriptors().size();
        double[][] point = alignments(g, g.uniform(), nc, nd, set.base() != null);
        double[][][] reps = new double[nc][nd][stats.bootstrap()];
        SplittableRandom rng = new SplittableRandom(stats.seed() ^ set.name().hashCode());
        for (int r = 0; r < stats.bootstrap(); r++) {
            double[][] a = alignments(g, Resampling.bootstrapWeights(g.seeds(), rng), nc, nd, set.base() != null);
            for (int i = 0; i < nc; i++) {
                for (int j = 0; j < nd; j++) {
                    reps[i][j][r] = a[i][j];
                }
            }
        }
        List<ConceptResult> out = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            List<Alignment> ranked = new ArrayList<>();
            for (int j = 0; j < nd; j++) {
                Resampling.Interval ci = Resampling.percentile(reps[i][j], 0.95);
                ranked.add(new Alignment(set.descriptors().get(j), point[i][j], ci.low(), ci.high()));
            }
            ranked.sort(Comparator.comparingDouble(Alignment::alignment).reversed());
            out.add(new ConceptResult(set.concepts().get(i), ranked));
        }
        return new SetResult(set, steps, out);
    }

    /** alignment[concept][descriptor] of an entry's Gram (concepts, descriptors, base) under seed weights w. */
    static double[][] alignments(SeedGram g, double[] w, int nc, int nd, boolean base) {
        double[][] m = g.means(w);
        int n = g.prompts();
        double[] mu = new double[n];
        if (base) {
            mu[n - 1] = 1;
        } else {
            for (int i = 0; i < nc + nd; i++) {
                mu[i] = 1.0 / (nc + nd);
            }
        }
        double[][] a = new double[nc][nd];
        for (int i = 0; i < nc; i++) {
            double[] vc = mu.clone();
            for (int x = 0; x < n; x++) {
                vc[x] = -vc[x];
            }
            vc[i] += 1;
            for (int j = 0; j < nd; j++) {
                double[] vd = mu.clone();
                for (int x = 0; x < n; x++) {
                    vd[x] = -vd[x];
                }
                vd[nc + j] += 1;
                a[i][j] = SeedGram.cosine(vc, m, vd);
            }
        }
        return a;
    }
}
