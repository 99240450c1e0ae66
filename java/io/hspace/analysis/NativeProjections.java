package io.hspace.analysis;

import io.hspace.engine.Similarity;

/**
 * {@link Projections} computed by the native engine (LibTorch on every device, cuBLAS on CUDA),
 * accumulating in float32.
 */
public final class NativeProjections implements Projections {
    private final int device;

    /** @param device -1 for the CPU, else a CUDA device index */
    public NativeProjections(int device) {
        this.device = device;
    }

    @Override
    public double[][] gram(float[][] a, float[][] b) {
        return run(a, b, Similarity.Kind.DOT);
    }

    @Override
    public double[][] cosineMatrix(float[][] a, float[][] b) {
        return run(a, b, Similarity.Kind.COSINE);
    }

    private double[][] run(float[][] a, float[][] b, Similarity.Kind kind) {
        if (a.length == 0 || b.length == 0) {
            return new double[a.length][b.length];
        }
        int d = a[0].length;
        float[] fa = flatten(a, d);
        float[] fb = flatten(b, d);
        float[] scores = Similarity.compute(fa, a.length, fb, b.length, d, kind, 0, device).scores().data();
        double[][] out = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                out[i][j] = scores[i * b.length + j];
            }
        }
        return out;
    }

    private static float[] flatten(float[][] rows, int d) {
        float[] flat = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("vectors of length " + d + " and " + rows[i].length);
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return flat;
    }
}
