package io.hspace.analysis;

/**
 * Settings of the resampling statistics shared by the analyses.
 *
 * @param bootstrap bootstrap resamples of the seeds (intervals)
 * @param permutations permutations for p-values
 * @param alpha significance level for the Benjamini-Hochberg false discovery rate
 * @param seed random seed of the resampling (results are reproducible)
 */
public record Stats(int bootstrap, int permutations, double alpha, long seed) {
    /** 1000 bootstrap resamples, 999 permutations, alpha 0.05, seed 0. */
    public static final Stats DEFAULT = new Stats(1000, 999, 0.05, 0);

    public Stats {
        if (bootstrap < 10) {
            throw new IllegalArgumentException("statistics.bootstrap must be at least 10, got " + bootstrap);
        }
        if (permutations < 19) {
            throw new IllegalArgumentException("statistics.permutations must be at least 19, got " + permutations);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("statistics.alpha must lie in (0, 1), got " + alpha);
        }
    }
}
