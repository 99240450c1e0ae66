package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StatisticsTest {
    private static double[][] gram(double[][] a) {
        // a[i] are the columns A_i; G = A^T A
        double[][] g = new double[a.length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a.length; j++) {
                for (int d = 0; d < a[i].length; d++) {
                    g[i][j] += a[i][d] * a[j][d];
                }
            }
        }
        return g;
    }

    private static double[] atY(double[][] a, double[] y) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            for (int d = 0; d < y.length; d++) {
                c[i] += a[i][d] * y[d];
            }
        }
        return c;
    }

    @Test
    void simplexLeastSquaresRecoversAConstructedMixture() {
        SplittableRandom r = new SplittableRandom(1);
        double[] truth = {0.6, 0.0, 0.3, 0.1};
        double[][] a = new double[4][50];
        double[] y = new double[50];
        for (int i = 0; i < 4; i++) {
            for (int d = 0; d < 50; d++) {
                a[i][d] = r.nextGaussian();
                y[d] += truth[i] * a[i][d];
            }
        }
        double[] w = SimplexLeastSquares.solve(gram(a), atY(a, y));
        assertArrayEquals(truth, w, 1e-9);
    }

    /** Independent check: every support, its equality-constrained solution, the best feasible one. */
    private static double[] bruteForce(double[][] g, double[] c) {
        int k = c.length;
        double best = Double.POSITIVE_INFINITY;
        double[] bestW = null;
        for (int mask = 1; mask < (1 << k); mask++) {
            List<Integer> s = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                if ((mask & (1 << i)) != 0) {
                    s.add(i);
                }
            }
            int n = s.size();
            double[][] aug = new double[n + 1][n + 2];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    aug[i][j] = g[s.get(i)][s.get(j)];
                }
                aug[i][n] = 1;
                aug[n][i] = 1;
                aug[i][n + 1] = c[s.get(i)];
            }
            aug[n][n + 1] = 1;
            double[] x;
            try {
                x = Linear.solve(aug);
            } catch (ArithmeticException e) {
                continue;
            }
            double[] w = new double[k];
            boolean ok = true;
            for (int i = 0; i < n; i++) {
                ok &= x[i] >= -1e-12;
                w[s.get(i)] = x[i];
            }
            double obj = SimplexLeastSquares.objective(g, c, w);
            if (ok && obj < best) {
                best = obj;
                bestW = w;
            }
        }
        return bestW;
    }

    @Test
    void simplexLeastSquaresMatchesBruteForceOnRandomProblems() {
        SplittableRandom r = new SplittableRandom(2);
        for (int trial = 0; trial < 200; trial++) {
            int k = 2 + r.nextInt(5);
            int d = k + 1 + r.nextInt(10);
            double[][] a = new double[k][d];
            double[] y = new double[d];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < d; j++) {
                    a[i][j] = r.nextGaussian();
                }
            }
            for (int j = 0; j < d; j++) {
                y[j] = 2 * r.nextGaussian();
            }
            double[][] g = gram(a);
            double[] c = atY(a, y);
            double[] w = SimplexLeastSquares.solve(g, c);
            double[] bf = bruteForce(g, c);
            double sum = 0;
            for (double v : w) {
                assertTrue(v >= 0);
                sum += v;
            }
            assertEquals(1, sum, 1e-9);
            assertEquals(SimplexLeastSquares.objective(g, c, bf), SimplexLeastSquares.objective(g, c, w), 1e-8, "trial " + trial);
            assertArrayEquals(bf, w, 1e-6, "trial " + trial);
        }
    }

    @Test
    void benjaminiHochbergMatchesHandComputation() {
        // sorted 0.005, 0.01, 0.03, 0.04 -> p*m/rank 0.02, 0.02, 0.04, 0.04, then running minimum from the top
        assertArrayEquals(new double[] {0.02, 0.04, 0.04, 0.02}, Resampling.benjaminiHochberg(new double[] {0.01, 0.04, 0.03, 0.005}), 1e-12);
        assertArrayEquals(new double[] {0.9, 0.9}, Resampling.benjaminiHochberg(new double[] {0.9, 0.6}), 1e-12);
        assertArrayEquals(new double[] {0.6, 0.6}, Resampling.benjaminiHochberg(new double[] {0.6, 0.3}), 1e-12);
    }

    @Test
    void bootstrapIntervalCoversTheTrueMeanAbout95PercentOfRuns() {
        SplittableRandom r = new SplittableRandom(3);
        int covered = 0;
        int runs = 400;
        for (int run = 0; run < runs; run++) {
            double[] x = new double[40];
            for (int i = 0; i < x.length; i++) {
                x[i] = 1.5 + r.nextGaussian();
            }
            double[] reps = new double[500];
            for (int b = 0; b < reps.length; b++) {
                double[] w = Resampling.bootstrapWeights(x.length, r);
                for (int i = 0; i < x.length; i++) {
                    reps[b] += w[i] * x[i];
                }
            }
            if (Resampling.percentile(reps, 0.95).contains(1.5)) {
                covered++;
            }
        }
        double rate = covered / (double) runs;
        assertTrue(rate > 0.90 && rate < 0.98, "coverage " + rate);
    }

    @Test
    void symmetricEigenReconstructsTheMatrix() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 7;
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                m[i][j] = m[j][i] = r.nextGaussian();
            }
        }
        double[][][] e = Linear.symmetricEigen(m);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += e[1][i][k] * e[0][0][k] * e[1][j][k];
                }
                assertEquals(m[i][j], s, 1e-9);
            }
        }
        for (int k = 1; k < n; k++) {
            assertTrue(e[0][0][k - 1] >= e[0][0][k], "descending");
        }
    }
}
