package io.hspace.condition;

import io.hspace.analysis.Projections;
import java.util.ArrayList;
import java.util.List;

/**
 * Image conditioning as a zero-shot attribute reader (docs/METHOD.md, "Conditioning"): each
 * image's h (encoded, noised to step k or DDIM-inverted) is scored against class prompts by
 * {@code cos(h_i - mu, H(c) - mu)}, mu the mean of the classes' H at the same step; the predicted
 * class is the best scored. With labels: accuracy and the confusion table.
 */
public final class ConditionAnalysis {
    private ConditionAnalysis() {}

    /**
     * One image.
     *
     * @param file the image file name
     * @param scores one per class, in class order
     * @param predicted the best scored class
     * @param label the known class, or null
     */
    public record ImageResult(String file, double[] scores, String predicted, String label) {}

    /**
     * All images.
     *
     * @param classes the class names
     * @param images per image
     * @param accuracy share of labelled images predicted right (NaN without labels)
     * @param confusion {@code confusion[label][predicted]} counts over labelled images
     * @param labelled images with a label that is one of the classes
     */
    public record Result(List<String> classes, List<ImageResult> images, double accuracy, int[][] confusion, int labelled) {}

    /**
     * Scores images against classes.
     *
     * @param h one vector per image
     * @param classH one vector per class (H of its prompt at the same step)
     * @param labels one label per image (null entries: unknown), or null
     */
    public static Result compute(List<String> files, float[][] h, List<String> classes, float[][] classH, List<String> labels,
            Projections projections) {
        int c = classes.size();
        if (c < 2 || classH.length != c) {
            throw new IllegalArgumentException("need at least two classes with one vector each, got " + c + " and " + classH.length);
        }
        int d = classH[0].length;
        double[] mu = new double[d];
        for (float[] v : classH) {
            for (int i = 0; i < d; i++) {
                mu[i] += v[i] / (double) c;
            }
        }
        float[][] dirs = new float[c][d];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < d; i++) {
                dirs[k][i] = (float) (classH[k][i] - mu[i]);
            }
        }
        float[][] centred = new float[h.length][d];
        for (int n = 0; n < h.length; n++) {
            if (h[n].length != d) {
                throw new IllegalArgumentException("image h has " + h[n].length + " values, class H " + d);
            }
            for (int i = 0; i < d; i++) {
                centred[n][i] = (float) (h[n][i] - mu[i]);
            }
        }
        double[][] scores = projections.cosineMatrix(centred, dirs);
        List<ImageResult> out = new ArrayList<>();
        int[][] confusion = new int[c][c];
        int labelled = 0;
        int right = 0;
        for (int n = 0; n < h.length; n++) {
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (scores[n][k] > scores[n][best]) {
                    best = k;
                }
            }
            String label = labels == null ? null : labels.get(n);
            int li = label == null ? -1 : classes.indexOf(label);
            if (li >= 0) {
                labelled++;
                confusion[li][best]++;
                right += li == best ? 1 : 0;
            }
            out.add(new ImageResult(files.get(n), scores[n], classes.get(best), label));
        }
        return new Result(List.copyOf(classes), out, labelled == 0 ? Double.NaN : (double) right / labelled, confusion, labelled);
    }
}
