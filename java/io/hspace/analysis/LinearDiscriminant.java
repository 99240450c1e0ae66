package io.hspace.analysis;

/**
 * Reads vectors against class means with a linear discriminant: class v scores
 * {@code x' S^-1 c_v - c_v' S^-1 c_v / 2}, where S is the within-class covariance of samples
 * shrunk towards a scaled identity by the Ledoit-Wolf estimate. Unlike the cosine, it discounts
 * directions along which samples of one class vary a lot (on the toy model: background and
 * position swamp color and shape). The covariance is handled in the smaller space: with fewer
 * samples n than dimensions D (a real model's h) through inner products with the samples
 * (Woodbury identity), so D may far exceed n; with more (many prompts x seeds on a small h) as
 * the D x D matrix, so n may far exceed D.
 */
final class LinearDiscriminant {
    /** The least shrinkage used: keeps a I + b G positive definite when the residuals are rank-deficient. */
    static final double MIN_SHRINKAGE = 1e-3;

    private LinearDiscriminant() {}

    /**
     * @param scores [vectors][classes]
     * @param shrinkage the weight of the scaled identity in the covariance, in [MIN_SHRINKAGE, 1]
     */
    record Reading(double[][] scores, double shrinkage) {}

    /**
     * @param x vectors to read, [m][D], centred by the caller in the same frame as {@code means}
     * @param means class means, [k][D]
     * @param residuals samples minus their class mean, [n][D]
     */
    static Reading read(float[][] x, float[][] means, float[][] residuals, Projections projections) {
        int n = residuals.length;
        int d = residuals[0].length;
        boolean bySamples = n <= d;
        float[][] t = bySamples ? null : transpose(residuals);
        double[][] g = bySamples ? projections.gram(residuals, residuals) : projections.gram(t, t);  // R R' or R'R
        double[] normsSq = new double[n];
        double trace = 0;
        for (int i = 0; i < n; i++) {
            normsSq[i] = bySamples ? g[i][i] : squaredNorm(residuals[i]);
            trace += normsSq[i];
        }
        double frobenius = 0;
        for (double[] row : g) {
            for (double v : row) {
                frobenius += v * v;
            }
        }
        double traceS = trace / n;
        double mu = traceS / d;
        if (!(mu > 0)) {
            throw new IllegalArgumentException("the samples of every class are identical, so their covariance is unknown: "
                    + "give more seeds or prompts per value, or read with the cosine");
        }
        double shrinkage = ledoitWolf(normsSq, d, traceS, mu, frobenius / ((double) n * n));
        double a = shrinkage * mu;
        double b = (1 - shrinkage) / n;
        double[][] m = g;  // turned into a I + b G in place: G is not needed after this
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m.length; j++) {
                m[i][j] = b * m[i][j] + (i == j ? a : 0);
            }
        }
        return new Reading(bySamples ? woodburyScores(x, means, residuals, m, a, b, projections) : directScores(x, means, m),
                shrinkage);
    }

    /** Scores with the shrunk covariance a I + b R'R solved through the n x n system {@code m} = a I + b R R'. */
    private static double[][] woodburyScores(float[][] x, float[][] means, float[][] residuals, double[][] m, double a, double b,
            Projections projections) {
        double[][] rc = projections.gram(means, residuals);
        double[][] z = Linear.solveSpd(m, rc);  // (a I + b R R')^-1 R c_v, one row per class
        double[][] cc = projections.gram(means, means);
        double[][] rx = projections.gram(x, residuals);
        double[][] xc = projections.gram(x, means);
        int k = means.length;
        double[] half = new double[k];
        for (int v = 0; v < k; v++) {
            half[v] = 0.5 * (cc[v][v] - b * dot(rc[v], z[v])) / a;
        }
        double[][] scores = new double[x.length][k];
        for (int i = 0; i < x.length; i++) {
            for (int v = 0; v < k; v++) {
                scores[i][v] = (xc[i][v] - b * dot(rx[i], z[v])) / a - half[v];
            }
        }
        return scores;
    }

    /** Scores with the shrunk covariance given as the D x D matrix {@code m}. */
    private static double[][] directScores(float[][] x, float[][] means, double[][] m) {
        int k = means.length;
        double[][] c = new double[k][];
        for (int v = 0; v < k; v++) {
            c[v] = toDouble(means[v]);
        }
        double[][] w = Linear.solveSpd(m, c);  // S^-1 c_v, one row per class
        double[] half = new double[k];
        for (int v = 0; v < k; v++) {
            half[v] = 0.5 * dot(c[v], w[v]);
        }
        double[][] scores = new double[x.length][k];
        for (int i = 0; i < x.length; i++) {
            double[] xi = toDouble(x[i]);
            for (int v = 0; v < k; v++) {
                scores[i][v] = dot(xi, w[v]) - half[v];
            }
        }
        return scores;
    }

    private static float[][] transpose(float[][] r) {
        float[][] t = new float[r[0].length][r.length];
        for (int i = 0; i < r.length; i++) {
            for (int j = 0; j < r[i].length; j++) {
                t[j][i] = r[i][j];
            }
        }
        return t;
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static double squaredNorm(float[] v) {
        double s = 0;
        for (float f : v) {
            s += (double) f * f;
        }
        return s;
    }

    /**
     * The Ledoit-Wolf (2004) shrinkage of the sample covariance S = R'R/n towards mu I, from the
     * residuals' squared norms ||r_i||^2 and ||S||^2: min(b^2, d^2) / d^2 with d^2 = ||S - mu I||^2 and
     * b^2 = sum_i ||r_i r_i' - S||^2 / n^2 = (sum_i ||r_i||^4 / n - ||S||^2) / n.
     */
    private static double ledoitWolf(double[] normsSq, int d, double traceS, double mu, double frobeniusS) {
        int n = normsSq.length;
        double fourth = 0;
        for (double q : normsSq) {
            fourth += q * q;
        }
        double spread = frobeniusS - 2 * mu * traceS + d * mu * mu;
        double noise = Math.min((fourth / n - frobeniusS) / n, spread);
        double s = spread > 0 ? noise / spread : 1;
        return Math.min(1, Math.max(MIN_SHRINKAGE, s));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
