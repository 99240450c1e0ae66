package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearDiscriminantTest {
    private static float[][] gaussian(Random rng, int n, int d, double scale) {
        float[][] out = new float[n][d];
        for (float[] row : out) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) (rng.nextGaussian() * scale * (1 + j % 3));
            }
        }
        return out;
    }

    /** The reference: the shrunk covariance built from its definition and solved by Gaussian elimination in D dimensions. */
    private static double[][] directScores(float[][] x, float[][] means, float[][] residuals, double shrinkage) {
        int n = residuals.length;
        int d = means[0].length;
        double[][] s = new double[d][d];
        double trace = 0;
        for (float[] r : residuals) {
            for (int i = 0; i < d; i++) {
                trace += (double) r[i] * r[i] / n;
                for (int j = 0; j < d; j++) {
                    s[i][j] += (double) r[i] * r[j] / n;
                }
            }
        }
        double mu = trace / d;
        double[][] w = new double[means.length][];
        for (int v = 0; v < means.length; v++) {
            double[][] aug = new double[d][d + 1];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    aug[i][j] = (1 - shrinkage) * s[i][j] + (i == j ? shrinkage * mu : 0);
                }
                aug[i][d] = means[v][i];
            }
            w[v] = Linear.solve(aug);
        }
        double[][] out = new double[x.length][means.length];
        for (int v = 0; v < means.length; v++) {
            double half = 0;
            for (int j = 0; j < d; j++) {
                half += 0.5 * means[v][j] * w[v][j];
            }
            for (int i = 0; i < x.length; i++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += x[i][j] * w[v][j];
                }
                out[i][v] = dot - half;
            }
        }
        return out;
    }

    @Test
    void scoresEqualTheDirectSolveWithMoreSamplesThanDimensionsAndWithFewer() {
        Random rng = new Random(1);
        for (int[] nd : new int[][] {{40, 10}, {8, 30}}) {
            float[][] residuals = gaussian(rng, nd[0], nd[1], 1);
            float[][] means = gaussian(rng, 4, nd[1], 2);
            float[][] x = gaussian(rng, 5, nd[1], 3);
            LinearDiscriminant.Reading r = LinearDiscriminant.read(x, means, residuals, Projections.JAVA);
            double[][] want = directScores(x, means, residuals, r.shrinkage());
            for (int i = 0; i < x.length; i++) {
                for (int v = 0; v < means.length; v++) {
                    assertEquals(want[i][v], r.scores()[i][v], 1e-6 * (1 + Math.abs(want[i][v])), "n " + nd[0] + " d " + nd[1]);
                }
            }
        }
    }

    @Test
    void shrinkageIsTheLedoitWolfEstimate() {
        Random rng = new Random(2);
        for (int[] nd : new int[][] {{200, 6}, {12, 40}}) {
            int n = nd[0];
            int d = nd[1];
            float[][] r = gaussian(rng, n, d, 1);
            double[][] s = new double[d][d];
            for (float[] row : r) {
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        s[i][j] += (double) row[i] * row[j] / n;
                    }
                }
            }
            double mu = 0;
            for (int i = 0; i < d; i++) {
                mu += s[i][i] / d;
            }
            double spread = 0;  // ||S - mu I||^2
            double noise = 0;   // sum_i ||r_i r_i' - S||^2 / n^2
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double t = s[i][j] - (i == j ? mu : 0);
                    spread += t * t;
                    for (float[] row : r) {
                        double e = (double) row[i] * row[j] - s[i][j];
                        noise += e * e / ((double) n * n);
                    }
                }
            }
            double want = Math.max(LinearDiscriminant.MIN_SHRINKAGE, Math.min(noise, spread) / spread);
            double got = LinearDiscriminant.read(gaussian(rng, 1, d, 1), gaussian(rng, 2, d, 1), r, Projections.JAVA).shrinkage();
            assertEquals(want, got, 1e-9, "n " + n + " d " + d);
        }
    }

    @Test
    void discountsTheDirectionTheSamplesVaryAlong() {
        // Three classes spaced along (1, 3); within a class the second axis varies 50 times more than the first.
        Random rng = new Random(3);
        float[][] means = {{-1, -3}, {0, 0}, {1, 3}};
        int perClass = 60;
        float[][] residuals = new float[3 * perClass][];
        for (int i = 0; i < residuals.length; i++) {
            residuals[i] = new float[] {(float) (0.1 * rng.nextGaussian()), (float) (5 * rng.nextGaussian())};
        }
        int m = 300;
        float[][] x = new float[m][];
        int[] truth = new int[m];
        for (int i = 0; i < m; i++) {
            truth[i] = i % 3;
            x[i] = new float[] {means[truth[i]][0] + (float) (0.1 * rng.nextGaussian()),
                means[truth[i]][1] + (float) (5 * rng.nextGaussian())};
        }
        int[] lda = ConditionAnalysis.argmax(LinearDiscriminant.read(x, means, residuals, Projections.JAVA).scores());
        int[] cosine = ConditionAnalysis.argmax(Projections.JAVA.cosineMatrix(x, means));
        int rightLda = 0;
        int rightCosine = 0;
        for (int i = 0; i < m; i++) {
            rightLda += lda[i] == truth[i] ? 1 : 0;
            rightCosine += cosine[i] == truth[i] ? 1 : 0;
        }
        assertTrue(rightLda >= 0.95 * m, "discriminant right on " + rightLda + " of " + m);
        assertTrue(rightCosine <= 0.7 * m, "cosine right on " + rightCosine + " of " + m);
    }

    @Test
    void identicalSamplesAreRefusedWithAWayOut() {
        float[][] residuals = new float[4][3];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearDiscriminant.read(new float[][] {{1, 2, 3}}, new float[][] {{1, 0, 0}, {0, 1, 0}}, residuals, Projections.JAVA));
        assertTrue(e.getMessage().contains("more seeds") && e.getMessage().contains("cosine"), e.getMessage());
    }
}
