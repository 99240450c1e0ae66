package io.hspace.analysis;

/**
 * Inner products of every pair of per-seed vectors of a few prompts: {@code G[(p,s),(q,t)] = <x_ps, x_qt>}.
 * Every statistic of the analyses is a function of inner products of seed-weighted means
 * {@code H_p(w) = sum_s w_s x_ps}, so bootstrap resamples (new weights) cost O(P^2 S^2) each and
 * never touch the large vectors again.
 */
public final class SeedGram {
    private final int prompts;
    private final int seeds;
    private final double[][] g;

    /** Computes the Gram matrix of all {@code prompts x seeds} vectors with {@code projections}. */
    public SeedGram(SeedVectors x, Projections projections) {
        this.prompts = x.prompts();
        this.seeds = x.seeds();
        if (prompts == 0 || seeds == 0) {
            throw new IllegalArgumentException("no vectors: " + prompts + " prompts x " + seeds + " seeds");
        }
        float[][] all = new float[prompts * seeds][];
        for (int p = 0; p < prompts; p++) {
            for (int s = 0; s < seeds; s++) {
                all[p * seeds + s] = x.vector(p, s);
            }
        }
        this.g = projections.gram(all, all);
    }

    /** Number of prompts. */
    public int prompts() {
        return prompts;
    }

    /** Number of seeds. */
    public int seeds() {
        return seeds;
    }

    /** {@code <x_ps, x_qt>}. */
    public double at(int p, int s, int q, int t) {
        return g[p * seeds + s][q * seeds + t];
    }

    /** Uniform seed weights 1/S. */
    public double[] uniform() {
        double[] w = new double[seeds];
        java.util.Arrays.fill(w, 1.0 / seeds);
        return w;
    }

    /** {@code M[p][q] = <H_p(w), H_q(w)>} for seed weights w. */
    public double[][] means(double[] w) {
        double[][] m = new double[prompts][prompts];
        for (int p = 0; p < prompts; p++) {
            for (int q = p; q < prompts; q++) {
                double sum = 0;
                for (int s = 0; s < seeds; s++) {
                    if (w[s] == 0) {
                        continue;
                    }
                    double[] row = g[p * seeds + s];
                    double inner = 0;
                    for (int t = 0; t < seeds; t++) {
                        inner += w[t] * row[q * seeds + t];
                    }
                    sum += w[s] * inner;
                }
                m[p][q] = sum;
                m[q][p] = sum;
            }
        }
        return m;
    }

    /** {@code <x_ps, H_q(w)>}. */
    public double seedToMean(int p, int s, int q, double[] w) {
        double[] row = g[p * seeds + s];
        double sum = 0;
        for (int t = 0; t < seeds; t++) {
            sum += w[t] * row[q * seeds + t];
        }
        return sum;
    }

    /** {@code u^T M v} for coefficient vectors over prompts: the inner product of two linear combinations of means. */
    public static double form(double[] u, double[][] m, double[] v) {
        double s = 0;
        for (int i = 0; i < u.length; i++) {
            if (u[i] == 0) {
                continue;
            }
            for (int j = 0; j < v.length; j++) {
                s += u[i] * m[i][j] * v[j];
            }
        }
        return s;
    }

    /** The cosine of two linear combinations of means (0 when either is the zero vector). */
    public static double cosine(double[] u, double[][] m, double[] v) {
        double uu = form(u, m, u);
        double vv = form(v, m, v);
        return uu <= 0 || vv <= 0 ? 0 : form(u, m, v) / Math.sqrt(uu * vv);
    }
}
