package io.hspace.condition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.analysis.Projections;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Image h near a class's H is read as that class; accuracy and confusion count the labels. */
class ConditionAnalysisTest {
    @Test
    void imagesNearAClassAreReadAsIt() {
        Random r = new Random(3);
        int d = 64;
        float[][] classH = new float[3][d];
        for (float[] v : classH) {
            for (int i = 0; i < d; i++) {
                v[i] = (float) (r.nextGaussian() + 5);
            }
        }
        int[] truth = {0, 1, 2, 2, 1, 0};
        float[][] h = new float[truth.length][d];
        for (int n = 0; n < truth.length; n++) {
            for (int i = 0; i < d; i++) {
                h[n][i] = (float) (classH[truth[n]][i] + 0.3 * r.nextGaussian());
            }
        }
        List<String> classes = List.of("red", "green", "blue");
        // the last label is wrong on purpose: it lands in the confusion table off the diagonal
        List<String> labels = Arrays.asList("red", "green", "blue", "blue", "green", "green");
        ConditionAnalysis.Result res = ConditionAnalysis.compute(List.of("a", "b", "c", "d", "e", "f"), h, classes, classH, labels,
                Projections.JAVA);
        assertEquals(List.of("red", "green", "blue", "blue", "green", "red"), res.images().stream().map(ConditionAnalysis.ImageResult::predicted).toList());
        assertEquals(5.0 / 6, res.accuracy(), 1e-12);
        assertArrayEquals(new int[] {1, 0, 0}, res.confusion()[0]);
        assertArrayEquals(new int[] {1, 2, 0}, res.confusion()[1]);
        assertArrayEquals(new int[] {0, 0, 2}, res.confusion()[2]);
    }

    @Test
    void withoutLabelsAccuracyIsNaN() {
        float[][] classH = {{1, 0}, {0, 1}};
        ConditionAnalysis.Result res = ConditionAnalysis.compute(List.of("x"), new float[][] {{2, 0}}, List.of("a", "b"), classH, null,
                Projections.JAVA);
        assertTrue(Double.isNaN(res.accuracy()));
        assertEquals("a", res.images().get(0).predicted());
    }
}
