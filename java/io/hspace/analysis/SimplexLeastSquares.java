package io.hspace.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Least squares on the probability simplex: {@code argmin_w ||y - A w||^2} subject to
 * {@code w >= 0, sum w = 1}, given in Gram form {@code G = A^T A}, {@code c = A^T y}
 * (minimise {@code w^T G w - 2 c^T w}). A primal active-set method in the style of
 * Lawson-Hanson NNLS: grow the support by the coordinate that most violates the KKT conditions,
 * solve the equality-constrained problem on the support, and step back to feasibility when a
 * weight would turn negative. Exact (to rounding) in finitely many steps.
 */
public final class SimplexLeastSquares {
    private SimplexLeastSquares() {}

    /** The minimiser; G must be symmetric positive semi-definite. */
    public static double[] solve(double[][] gram, double[] c) {
        int k = c.length;
        double scale = 0;
        for (double[] row : gram) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double tol = 1e-12 * Math.max(scale, 1e-300);
        int start = 0;
        for (int j = 1; j < k; j++) {
            if (gram[j][j] - 2 * c[j] < gram[start][start] - 2 * c[start]) {
                start = j;
            }
        }
        double[] w = new double[k];
        w[start] = 1;
        List<Integer> support = new ArrayList<>(List.of(start));
        for (int outer = 0; outer < 10 * k + 10; outer++) {
            double[] g = gradient(gram, c, w);
            double mu = 0;
            for (int j : support) {
                mu -= g[j];
            }
            mu /= support.size();
            int enter = -1;
            double worst = -tol;
            for (int i = 0; i < k; i++) {
                if (!support.contains(i) && g[i] + mu < worst) {
                    worst = g[i] + mu;
                    enter = i;
                }
            }
            if (enter < 0) {
                return w;
            }
            support.add(enter);
            for (int inner = 0; inner < 10 * k + 10; inner++) {
                double[] z = equalityConstrained(gram, c, support);
                boolean feasible = true;
                double alpha = 1;
                for (int j : support) {
                    if (z[j] <= 0) {
                        feasible = false;
                        double a = w[j] / (w[j] - z[j]);
                        alpha = Math.min(alpha, a);
                    }
                }
                if (feasible) {
                    w = z;
                    break;
                }
                for (int j : support) {
                    w[j] += alpha * (z[j] - w[j]);
                }
                List<Integer> leaving = new ArrayList<>();
                for (int j : support) {
                    if (w[j] <= 1e-15) {
                        w[j] = 0;
                        leaving.add(j);
                    }
                }
                support.removeAll(leaving);
                if (leaving.contains(enter) && leaving.size() == 1 && alpha == 0) {
                    // the entering coordinate cannot move without leaving the simplex: w is optimal up to rounding
                    return w;
                }
                renormalise(w);
            }
        }
        return w;
    }

    /** The objective {@code w^T G w - 2 c^T w} (add {@code ||y||^2} for the squared residual). */
    public static double objective(double[][] gram, double[] c, double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            for (int j = 0; j < w.length; j++) {
                s += w[i] * gram[i][j] * w[j];
            }
            s -= 2 * c[i] * w[i];
        }
        return s;
    }

    private static double[] gradient(double[][] gram, double[] c, double[] w) {
        double[] g = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            double s = -c[i];
            for (int j = 0; j < c.length; j++) {
                s += gram[i][j] * w[j];
            }
            g[i] = s;
        }
        return g;
    }

    /** Solves min z^T G z - 2 c^T z with sum z = 1 on the support (other entries 0) via its KKT system. */
    private static double[] equalityConstrained(double[][] gram, double[] c, List<Integer> support) {
        int n = support.size();
        double[][] a = new double[n + 1][n + 2];
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += gram[support.get(i)][support.get(i)];
        }
        // a tiny ridge keeps the system solvable when variants are collinear; it does not move a unique minimiser
        double ridge = 1e-12 * Math.max(trace / n, 1e-300);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = gram[support.get(i)][support.get(j)] + (i == j ? ridge : 0);
            }
            a[i][n] = 1;
            a[n][i] = 1;
            a[i][n + 1] = c[support.get(i)];
        }
        a[n][n + 1] = 1;
        double[] x = Linear.solve(a);
        double[] z = new double[c.length];
        for (int i = 0; i < n; i++) {
            z[support.get(i)] = x[i];
        }
        return z;
    }

    private static void renormalise(double[] w) {
        double s = 0;
        for (double v : w) {
            s += v;
        }
        for (int i = 0; i < w.length; i++) {
            w[i] /= s;
        }
    }
}
