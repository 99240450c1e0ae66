package io.hspace.analysis;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Bootstrap and multiple-testing helpers. */
public final class Resampling {
    private Resampling() {}

    /**
     * An interval.
     *
     * @param low lower bound
     * @param high upper bound
     */
    public record Interval(double low, double high) {
        /** Whether x lies inside (inclusive). */
        public boolean contains(double x) {
            return x >= low && x <= high;
        }
    }

    /** Seed weights of one bootstrap resample: S draws with replacement, weight = count / S. */
    public static double[] bootstrapWeights(int seeds, SplittableRandom rng) {
        double[] w = new double[seeds];
        for (int i = 0; i < seeds; i++) {
            w[rng.nextInt(seeds)] += 1.0 / seeds;
        }
        return w;
    }

    /** The percentile interval {@code [q_(a/2), q_(1-a/2)]} of bootstrap replicates (linear interpolation). */
    public static Interval percentile(double[] replicates, double level) {
        double[] s = replicates.clone();
        Arrays.sort(s);
        double a = (1 - level) / 2;
        return new Interval(quantile(s, a), quantile(s, 1 - a));
    }

    /** The q-quantile of sorted values, interpolating between order statistics (type 7). */
    public static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Benjamini-Hochberg adjusted p-values (q-values): {@code q_(i) = min_{j>=i} p_(j) m / j}, capped at 1.
     * Rejecting q <= alpha controls the false discovery rate at alpha for independent or positively
     * dependent tests.
     */
    public static double[] benjaminiHochberg(double[] p) {
        int m = p.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));
        double[] q = new double[m];
        double running = 1.0;
        for (int r = m - 1; r >= 0; r--) {
            int i = order[r];
            running = Math.min(running, p[i] * m / (r + 1));
            q[i] = running;
        }
        return q;
    }
}
