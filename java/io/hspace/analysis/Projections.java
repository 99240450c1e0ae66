package io.hspace.analysis;

/**
 * The batched inner-product math of the analyses. Every score is computed from inner products of
 * h-vectors, so this is the one place the large vectors are touched; the native engine supplies
 * a LibTorch/CUDA implementation, {@link #JAVA} is the plain-Java reference.
 */
public interface Projections {
    /** {@code out[i][j] = <a[i], b[j]>}, accumulated in double precision. */
    double[][] gram(float[][] a, float[][] b);

    /** {@code out[i][j] = cos(a[i], b[j])}; 0 where either vector is zero. */
    default double[][] cosineMatrix(float[][] a, float[][] b) {
        double[][] g = gram(a, b);
        double[] na = norms(a);
        double[] nb = norms(b);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                g[i][j] = na[i] == 0 || nb[j] == 0 ? 0 : g[i][j] / (na[i] * nb[j]);
            }
        }
        return g;
    }

    private static double[] norms(float[][] v) {
        double[] n = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double s = 0;
            for (float x : v[i]) {
                s += (double) x * x;
            }
            n[i] = Math.sqrt(s);
        }
        return n;
    }

    /** Plain Java, double accumulation. */
    Projections JAVA = (a, b) -> {
        double[][] out = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            float[] ai = a[i];
            for (int j = 0; j < b.length; j++) {
                float[] bj = b[j];
                if (ai.length != bj.length) {
                    throw new IllegalArgumentException("vectors of length " + ai.length + " and " + bj.length);
                }
                double s = 0;
                for (int k = 0; k < ai.length; k++) {
                    s += (double) ai[k] * bj[k];
                }
                out[i][j] = s;
            }
        }
        return out;
    };
}
