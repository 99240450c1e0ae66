package io.hspace.analysis;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Agreement measures between two orderings or two partitions: Spearman's rho and the adjusted Rand index. */
public final class Agreement {
    private Agreement() {}

    /**
     * Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing their
     * mean rank. NaN when either side is constant (no ordering to compare).
     *
     * @throws IllegalArgumentException when the arrays differ in length or hold fewer than two values
     */
    public static double spearman(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("spearman: " + x.length + " values against " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("spearman needs at least two pairs, got " + x.length);
        }
        return pearson(ranks(x), ranks(y));
    }

    /** Ranks 1..n, ties given the mean of the ranks they span. */
    public static double[] ranks(double[] x) {
        Integer[] order = new Integer[x.length];
        for (int i = 0; i < x.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(x[a], x[b]));
        double[] r = new double[x.length];
        int i = 0;
        while (i < x.length) {
            int j = i;
            while (j + 1 < x.length && x[order[j + 1]] == x[order[i]]) {
                j++;
            }
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = mean;
            }
            i = j + 1;
        }
        return r;
    }

    /** Pearson's correlation; NaN when either side has no variance. */
    public static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /**
     * The adjusted Rand index of two partitions of the same items (Hubert and Arabie 1985):
     * 1 for identical partitions (up to renaming), about 0 for independent ones. Labels are
     * arbitrary integers. When both partitions put every item in one cluster, or both put each
     * item alone, the index is 1.
     *
     * @throws IllegalArgumentException when the partitions differ in length or are empty
     */
    public static double adjustedRand(int[] a, int[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("adjusted Rand index: partitions of " + a.length + " and " + b.length + " items");
        }
        Map<Long, Integer> cells = new HashMap<>();
        Map<Integer, Integer> rows = new HashMap<>();
        Map<Integer, Integer> cols = new HashMap<>();
        for (int i = 0; i < a.length; i++) {
            cells.merge(((long) a[i] << 32) ^ (b[i] & 0xffffffffL), 1, Integer::sum);
            rows.merge(a[i], 1, Integer::sum);
            cols.merge(b[i], 1, Integer::sum);
        }
        double index = cells.values().stream().mapToDouble(Agreement::pairs).sum();
        double sumA = rows.values().stream().mapToDouble(Agreement::pairs).sum();
        double sumB = cols.values().stream().mapToDouble(Agreement::pairs).sum();
        double expected = sumA * sumB / pairs(a.length);
        double max = (sumA + sumB) / 2;
        if (max == expected) {
            return 1.0;
        }
        return (index - expected) / (max - expected);
    }

    private static double pairs(int n) {
        return n * (n - 1) / 2.0;
    }
}
