package io.hspace.analysis;

import io.hspace.atlas.HStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which attribute value a neutral prompt defaults to (docs/METHOD.md, "Defaults"). For a cell
 * (neutral n, variants v_1..v_K) and per-seed vectors x, with H the seed means and m the mean of
 * the variants' H:
 * <ul>
 * <li>score_i = cos(H(n) - m, H(v_i) - m);</li>
 * <li>for K = 2, position = 2 t - 1 with t = &lt;H(n) - H(v_1), H(v_2) - H(v_1)&gt; / |H(v_2) - H(v_1)|^2
 * (-1 at v_1, +1 at v_2, 0 midway);</li>
 * <li>mixture weights: the w on the simplex minimising |H(n) - sum w_i H(v_i)|;</li>
 * <li>nearest share: the fraction of seeds s whose x(n, s) is nearest (Euclidean) to H(v_i);</li>
 * <li>95% percentile bootstrap intervals over seeds (seeds resampled jointly for all prompts,
 * since a seed's noise is shared by every prompt), a permutation p-value from the per-seed
 * scores with variant labels shuffled within each seed, and Benjamini-Hochberg q-values over
 * the cells of one step selection.</li>
 * </ul>
 */
public final class DefaultsAnalysis {
    private DefaultsAnalysis() {}

    /**
     * A value with its bootstrap interval.
     *
     * @param value the estimate from all seeds
     * @param low lower end of the 95% interval
     * @param high upper end of the 95% interval
     */
    public record Estimate(double value, double low, double high) {}

    /**
     * The findings of one cell under one step selection.
     *
     * @param cell the cell
     * @param steps the step selection
     * @param scores score per variant (parallel to cell.labels)
     * @param weights mixture weight per variant
     * @param shares nearest-variant share per variant
     * @param position signed position on the segment v_1 -> v_2 (null unless two variants)
     * @param top index of the variant with the highest score
     * @param strength score of the top variant minus the runner-up's
     * @param statistic the permutation test statistic (range of the mean per-seed scores)
     * @param p permutation p-value
     * @param q Benjamini-Hochberg adjusted p-value over the cells of this step selection
     */
    public record CellResult(DefaultsCell cell, StepSelection steps, List<Estimate> scores, List<Estimate> weights,
            List<Estimate> shares, Estimate position, int top, double strength, double statistic, double p, double q) {
        /** The label of the top variant. */
        public String topLabel() {
            return cell.labels().get(top);
        }
    }

    /**
     * All cells, per step selection.
     *
     * @param pooled the cells over the mean of all captured steps, sorted by strength (strongest first)
     * @param perStep for each captured step, the cells in study order (empty when one step is captured)
     * @param stats the resampling settings used
     */
    public record Result(List<CellResult> pooled, List<List<CellResult>> perStep, Stats stats) {}

    /** Runs every cell on the atlas for the given seeds, pooled and per captured step. */
    public static Result run(HStore store, List<DefaultsCell> cells, List<Long> seeds, Stats stats, Projections projections) {
        List<CellResult> pooled = runAt(store, cells, seeds, stats, projections, StepSelection.ALL);
        pooled.sort(Comparator.comparingDouble(CellResult::strength).reversed());
        List<List<CellResult>> perStep = new ArrayList<>();
        if (store.steps() > 1) {
            for (int t = 0; t < store.steps(); t++) {
                perStep.add(runAt(store, cells, seeds, stats, projections, new StepSelection(t)));
            }
        }
        return new Result(pooled, perStep, stats);
    }

    private static List<CellResult> runAt(HStore store, List<DefaultsCell> cells, List<Long> seeds, Stats stats,
            Projections projections, StepSelection steps) {
        List<CellResult> out = new ArrayList<>();
        for (DefaultsCell c : cells) {
            List<String> prompts = new ArrayList<>();
            prompts.add(c.neutral());
            prompts.addAll(c.variants());
            SeedGram g = new SeedGram(SeedVectors.of(store, prompts, seeds, steps), projections);
            out.add(cell(c, steps, g, stats));
        }
        return adjust(out);
    }

    /** Replaces each cell's q with the Benjamini-Hochberg adjustment over {@code cells}. */
    public static List<CellResult> adjust(List<CellResult> cells) {
        double[] q = Resampling.benjaminiHochberg(cells.stream().mapToDouble(CellResult::p).toArray());
        List<CellResult> out = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            CellResult r = cells.get(i);
            out.add(new CellResult(r.cell(), r.steps(), r.scores(), r.weights(), r.shares(), r.position(), r.top(),
                    r.strength(), r.statistic(), r.p(), q[i]));
        }
        return out;
    }

    /**
     * One cell from the Gram matrix of its per-seed vectors; prompt 0 is the neutral prompt, 1..K
     * the variants. The q field equals p until {@link #adjust} runs over a family of cells.
     */
    public static CellResult cell(DefaultsCell cell, StepSelection steps, SeedGram g, Stats stats) {
        int k = g.prompts() - 1;
        Point point = point(g, g.uniform(), k);
        SplittableRandom rng = new SplittableRandom(stats.seed() ^ cell.neutral().hashCode() * 31L ^ cell.family().hashCode());
        int b = stats.bootstrap();
        double[][] scores = new double[k][b];
        double[][] weights = new double[k][b];
        double[][] shares = new double[k][b];
        double[] positions = new double[b];
        for (int r = 0; r < b; r++) {
            Point bp = point(g, Resampling.bootstrapWeights(g.seeds(), rng), k);
            for (int i = 0; i < k; i++) {
                scores[i][r] = bp.scores[i];
                weights[i][r] = bp.weights[i];
                shares[i][r] = bp.shares[i];
            }
            positions[r] = bp.position;
        }
        List<Estimate> sc = new ArrayList<>();
        List<Estimate> wt = new ArrayList<>();
        List<Estimate> sh = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            sc.add(estimate(point.scores[i], scores[i]));
            wt.add(estimate(point.weights[i], weights[i]));
            sh.add(estimate(point.shares[i], shares[i]));
        }
        int top = 0;
        for (int i = 1; i < k; i++) {
            if (point.scores[i] > point.scores[top]) {
                top = i;
            }
        }
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            if (i != top) {
                second = Math.max(second, point.scores[i]);
            }
        }
        double[][] perSeed = perSeedScores(g, k);
        double statistic = rangeOfMeans(perSeed);
        int atLeast = 0;
        double[][] shuffled = new double[g.seeds()][];
        for (int r = 0; r < stats.permutations(); r++) {
            for (int s = 0; s < g.seeds(); s++) {
                shuffled[s] = perSeed[s].clone();
                shuffle(shuffled[s], rng);
            }
            if (rangeOfMeans(shuffled) >= statistic - 1e-12) {
                atLeast++;
            }
        }
        double p = (1.0 + atLeast) / (1.0 + stats.permutations());
        Estimate position = k == 2 ? estimate(point.position, positions) : null;
        return new CellResult(cell, steps, sc, wt, sh, position, top, point.scores[top] - second, statistic, p, p);
    }

    private record Point(double[] scores, double[] weights, double[] shares, double position) {}

    /** The variants' scores and mixture weights {@code {scores, weights}} of a cell's Gram under seed weights w. */
    static double[][] scoresAndWeights(SeedGram g, double[] w) {
        Point p = point(g, w, g.prompts() - 1);
        return new double[][] {p.scores, p.weights};
    }

    private static Point point(SeedGram g, double[] w, int k) {
        double[][] m = g.means(w);
        double[] neutral = new double[k + 1];
        neutral[0] = 1;
        for (int i = 1; i <= k; i++) {
            neutral[i] = -1.0 / k;
        }
        double[] scores = new double[k];
        for (int i = 0; i < k; i++) {
            double[] v = new double[k + 1];
            for (int j = 1; j <= k; j++) {
                v[j] = (j == i + 1 ? 1 : 0) - 1.0 / k;
            }
            scores[i] = SeedGram.cosine(neutral, m, v);
        }
        double[][] gv = new double[k][k];
        double[] cv = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gv[i][j] = m[i + 1][j + 1];
            }
            cv[i] = m[i + 1][0];
        }
        double[] weights = SimplexLeastSquares.solve(gv, cv);
        double[] shares = new double[k];
        for (int s = 0; s < g.seeds(); s++) {
            if (w[s] == 0) {
                continue;
            }
            int best = 0;
            double bestD = Double.POSITIVE_INFINITY;
            for (int i = 0; i < k; i++) {
                // |x - H_i|^2 without the |x|^2 term shared by every variant
                double d = m[i + 1][i + 1] - 2 * g.seedToMean(0, s, i + 1, w);
                if (d < bestD) {
                    bestD = d;
                    best = i;
                }
            }
            shares[best] += w[s];
        }
        double position = Double.NaN;
        if (k == 2) {
            double[] ab = {0, -1, 1};
            double[] an = {1, -1, 0};
            double len = SeedGram.form(ab, m, ab);
            position = len <= 0 ? 0 : 2 * SeedGram.form(an, m, ab) / len - 1;
        }
        return new Point(scores, weights, shares, position);
    }

    /** {@code c[s][i] = cos(x(n,s) - m_s, x(v_i,s) - m_s)} with m_s the mean of the variants at seed s. */
    static double[][] perSeedScores(SeedGram g, int k) {
        double[][] c = new double[g.seeds()][k];
        for (int s = 0; s < g.seeds(); s++) {
            double[][] m = new double[k + 1][k + 1];
            for (int p = 0; p <= k; p++) {
                for (int q = 0; q <= k; q++) {
                    m[p][q] = g.at(p, s, q, s);
                }
            }
            double[] neutral = new double[k + 1];
            neutral[0] = 1;
            for (int i = 1; i <= k; i++) {
                neutral[i] = -1.0 / k;
            }
            for (int i = 0; i < k; i++) {
                double[] v = new double[k + 1];
                for (int j = 1; j <= k; j++) {
                    v[j] = (j == i + 1 ? 1 : 0) - 1.0 / k;
                }
                c[s][i] = SeedGram.cosine(neutral, m, v);
            }
        }
        return c;
    }

    private static double rangeOfMeans(double[][] perSeed) {
        int k = perSeed[0].length;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            double s = 0;
            for (double[] row : perSeed) {
                s += row[i];
            }
            max = Math.max(max, s / perSeed.length);
            min = Math.min(min, s / perSeed.length);
        }
        return max - min;
    }

    private static void shuffle(double[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static Estimate estimate(double value, double[] replicates) {
        Resampling.Interval ci = Resampling.percentile(replicates, 0.95);
        return new Estimate(value, ci.low(), ci.high());
    }
}
