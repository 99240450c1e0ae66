package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.analysis.DefaultsAnalysis.Estimate;
import io.hspace.atlas.Sampler;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import io.hspace.engine.Steering;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pure parts of conditioning and steering: assignment, rates, intervals, scorecard hooks. */
class ValidationAnalysesTest {
    static final Sampler SAMPLER = new Sampler(Scheduler.MODEL, 10, 7.5, 32, 32, "");
    static final Map<String, List<String>> FAMILIES = new LinkedHashMap<>(Map.of(
            "color", List.of("red", "blue", "green"), "shape", List.of("circle", "square")));

    static final Projections JAVA = new Projections() {
        @Override
        public double[][] gram(float[][] a, float[][] b) {
            double[][] g = new double[a.length][b.length];
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < b.length; j++) {
                    for (int k = 0; k < a[i].length; k++) {
                        g[i][j] += (double) a[i][k] * b[j][k];
                    }
                }
            }
            return g;
        }

        @Override
        public double[][] cosineMatrix(float[][] a, float[][] b) {
            double[][] g = gram(a, b);
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < b.length; j++) {
                    g[i][j] /= Math.sqrt(gram(new float[][] {a[i]}, new float[][] {a[i]})[0][0]
                            * gram(new float[][] {b[j]}, new float[][] {b[j]})[0][0]);
                }
            }
            return g;
        }
    };

    /** Value vectors = a shared offset + one axis each; images = another offset + their value's axis + noise. */
    @Test
    void centringRemovesEachSpacesOffsetAndImagesGetTheirValue() {
        int d = 8;
        float[][] values = new float[3][d];
        for (int v = 0; v < 3; v++) {
            values[v][7] = 50f;          // shared by the prompts, not by the images
            values[v][v] += 1f;
        }
        SplittableRandom rng = new SplittableRandom(1);
        int[] truth = new int[30];
        float[][] images = new float[30][d];
        for (int i = 0; i < 30; i++) {
            truth[i] = i % 3;
            images[i][6] = -20f;         // shared by the images only
            images[i][truth[i]] += 0.5f;
            for (int k = 0; k < d; k++) {
                images[i][k] += (float) (0.05 * rng.nextGaussian());
            }
        }
        int[] pred = ConditionAnalysis.argmax(ConditionAnalysis.scores(images, values, ConditionAnalysis.Centre.IMAGES, JAVA));
        assertArrayEquals(truth, pred);
        Estimate acc = ConditionAnalysis.accuracy(pred, truth, Stats.DEFAULT);
        assertEquals(1.0, acc.value());
        int[][] c = ConditionAnalysis.confusion(pred, truth, 3);
        assertArrayEquals(new int[] {10, 0, 0}, c[0]);
    }

    @Test
    void accuracyIgnoresUnknownTruthAndItsIntervalCoversIt() {
        int[] pred = {0, 1, 1, 0, 2, 2, 0, 1};
        int[] truth = {0, 1, 0, -1, 2, 1, 0, 1};
        Estimate acc = ConditionAnalysis.accuracy(pred, truth, Stats.DEFAULT);
        assertEquals(5.0 / 7, acc.value(), 1e-12);
        assertTrue(acc.low() <= acc.value() && acc.value() <= acc.high() && acc.low() < acc.high(), acc.toString());
        int[][] c = ConditionAnalysis.confusion(pred, truth, 3);
        assertEquals(7, c[0][0] + c[0][1] + c[0][2] + c[1][0] + c[1][1] + c[1][2] + c[2][0] + c[2][1] + c[2][2]);
        assertEquals(1, c[0][1]);
        assertEquals(1, c[1][2]);
    }

    @Test
    void familyTemplateWithoutValueSlotIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConditionAnalysis.Family("color", "a shape", List.of("red", "blue")));
        assertTrue(e.getMessage().contains("{value}"), e.getMessage());
    }

    @Test
    void familyValueListedTwiceIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConditionAnalysis.Family("color", "a {value} shape", List.of("red", "red")));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void conditionStepOutsideTheScheduleIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ConditionAnalysis.Spec("c",
                List.of(new ConditionAnalysis.Family("color", "a {value} shape", List.of("red", "blue"))), SAMPLER, 10,
                ConditionMode.NOISE, Pooling.NONE, "", List.of(0L), 0, 1, ConditionAnalysis.Centre.IMAGES, Branch.UNCOND,
                ConditionAnalysis.Score.DISCRIMINANT));
        assertTrue(e.getMessage().contains("step 10 is outside the 10 steps"), e.getMessage());
    }

    static SteerAnalysis.Spec spec(List<Double> alphas) {
        return new SteerAnalysis.Spec("s", "a {shape}", "a blue {shape}", Map.of("shape", List.of("circle")), FAMILIES, "color", "blue",
                alphas, List.of(), Branch.COND, SteerAnalysis.Direction.PAIR, SAMPLER, List.of(0L, 1L));
    }

    @Test
    void alphaNaNIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(List.of(0.0, Double.NaN)));
        assertTrue(e.getMessage().contains("alpha 1 is NaN"), e.getMessage());
    }

    @Test
    void alphaInfinityIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> spec(List.of(Double.POSITIVE_INFINITY)));
        assertTrue(e.getMessage().contains("alpha 0 is Infinity"), e.getMessage());
    }

    @Test
    void alphaZeroIsAddedAndAlphasSorted() {
        assertEquals(List.of(0.0, 0.5, 2.0), spec(List.of(2.0, 0.5)).alphas());
    }

    @Test
    void targetNotAValueOfTheSteeredFamilyIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SteerAnalysis.Spec("s", "a {shape}",
                "a teal {shape}", Map.of(), FAMILIES, "color", "teal", List.of(1.0), List.of(), Branch.COND, SteerAnalysis.Direction.PAIR, SAMPLER, List.of(0L)));
        assertTrue(e.getMessage().contains("teal"), e.getMessage());
    }

    @Test
    void pairsFillBothTemplates() {
        SteerAnalysis.Spec s = new SteerAnalysis.Spec("s", "a {shape}", "a blue {shape}", Map.of("shape", List.of("circle", "star")),
                FAMILIES, "color", "blue", List.of(1.0), List.of(), Branch.COND, SteerAnalysis.Direction.PAIR, SAMPLER, List.of(0L));
        assertEquals("a star", s.pairs().get(1)[0]);
        assertEquals("a blue star", s.pairs().get(1)[1]);
    }

    @Test
    void conditionItemsAreTheImagesAndEveryFamilysValuePromptsTimesSeeds() {
        Map<String, List<String>> over = Map.of("shape", List.of("circle", "square"));
        ConditionAnalysis.Spec s = new ConditionAnalysis.Spec("c", List.of(
                new ConditionAnalysis.Family("color", "a {value} {shape}", List.of("red", "blue", "green"), over),
                new ConditionAnalysis.Family("shape", "a {value}", List.of("circle", "square"))),
                SAMPLER, 2, ConditionMode.NOISE, Pooling.NONE, "", List.of(0L, 1L, 2L), 0, 1, ConditionAnalysis.Centre.IMAGES,
                Branch.UNCOND, ConditionAnalysis.Score.DISCRIMINANT);
        assertEquals(5 + 3 * 2 * 3 + 2 * 3, ConditionAnalysis.items(s, 5));
    }

    private static ConditionAnalysis.Spec drawing(ConditionMode mode, int noiseDraws) {
        return new ConditionAnalysis.Spec("c", List.of(new ConditionAnalysis.Family("color", "a {value} shape", List.of("red", "blue"))),
                SAMPLER, 2, mode, Pooling.NONE, "", List.of(0L), 0, noiseDraws, ConditionAnalysis.Centre.IMAGES, Branch.UNCOND,
                ConditionAnalysis.Score.DISCRIMINANT);
    }

    @Test
    void conditionImagesCountOncePerNoiseDraw() {
        assertEquals(5 * 3 + 2, ConditionAnalysis.items(drawing(ConditionMode.NOISE, 3), 5));
    }

    @Test
    void conditionNoiseDrawsBelowOneAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> drawing(ConditionMode.NOISE, 0));
        assertTrue(e.getMessage().contains("noise_draws must be at least 1, got 0"), e.getMessage());
    }

    @Test
    void conditionNoiseDrawsWithInversionAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> drawing(ConditionMode.INVERT, 4));
        assertTrue(e.getMessage().contains("noise_draws 4 with mode invert"), e.getMessage());
    }

    @Test
    void steerItemsAreTheDirectionsPromptsAndTheSweep() {
        SteerAnalysis.Spec s = new SteerAnalysis.Spec("s", "a {shape}", "a blue {shape}", Map.of("shape", List.of("circle", "star")),
                FAMILIES, "color", "blue", List.of(1.0, 2.0), List.of(), Branch.COND, SteerAnalysis.Direction.PAIR, SAMPLER, List.of(0L, 1L, 2L));
        // from and to prompts x seeds, the to prompts' images x seeds, then prompts x seeds x alphas (0 added)
        assertEquals(2 * 2 * 3 + 2 * 3 + 2 * 3 * 3, SteerAnalysis.items(s));
    }

    @Test
    void aSliceKeepsItsItemsSeedsAndSteeringAlphas() {
        ExtractRequest r = new ExtractRequest(new int[][] {{1}, {2}}, null, new int[] {0}, null, true, null, new int[] {0, 1, 0, 1},
                new long[] {5, 6, 7, 8}, 4, 5f, 32, 32, Scheduler.MODEL, new int[] {3}, Branch.COND, Pooling.SPATIAL_MEAN, true, 2,
                new Steering(new float[] {1, 2}, new long[] {2}, new float[] {0, 1, 2, 3}, new int[] {1}, Branch.BOTH));
        ExtractRequest s = PromptVectors.slice(r, 1, 3);
        assertArrayEquals(new int[] {1, 0}, s.itemPrompts());
        assertArrayEquals(new long[] {6, 7}, s.itemSeeds());
        assertArrayEquals(new float[] {1, 2}, s.steering().alphas());
        assertEquals(Branch.BOTH, s.steering().branch());
        assertArrayEquals(new int[][] {{1}, {2}}, s.promptIds());
        assertEquals(2, s.batchSize());
    }

    @Test
    void aGridRequestIsNotRunInBatches() {
        ExtractRequest grid = new ExtractRequest(new int[][] {{1}}, null, new int[] {0}, null, true, new long[] {5, 6}, null, null, 4,
                5f, 32, 32, Scheduler.MODEL, new int[] {3}, Branch.COND, Pooling.NONE, false, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptVectors.run(null, grid, done -> {}));
        assertTrue(e.getMessage().contains("explicit items"), e.getMessage());
    }

    @Test
    void readingTakesWholeWordsOnly() {
        assertEquals("red", SteerAnalysis.reading("A small RED circle on a white background", List.of("blue", "red")));
        assertNull(SteerAnalysis.reading("a reddish circle", List.of("red")));
        assertNull(SteerAnalysis.reading("", List.of("red")));
    }

    static SteerAnalysis.Item item(double alpha, String color, String shape) {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("color", color);
        r.put("shape", shape);
        return new SteerAnalysis.Item("a circle", 0, alpha, "x.png", color + " " + shape, r);
    }

    @Test
    void flipAndSideEffectRatesCountAgainstAlphaZeroOfTheSameSeed() {
        SteerAnalysis.Spec s = spec(List.of(1.0));
        List<SteerAnalysis.Item> items = new ArrayList<>();
        // seed 0: red circle -> blue circle (flip, no side effect)
        items.add(item(0, "red", "circle"));
        items.add(item(1, "blue", "circle"));
        // seed 1: red circle -> blue square (flip and side effect)
        items.add(item(0, "red", "circle"));
        items.add(item(1, "blue", "square"));
        // seed 2: already blue at alpha 0: not counted in the flip rate
        items.add(item(0, "blue", "circle"));
        items.add(item(1, "blue", "circle"));
        // seed 3: unread colour stays unread: no flip
        items.add(item(0, null, "circle"));
        items.add(item(1, null, "circle"));
        List<SteerAnalysis.AlphaResult> r = SteerAnalysis.rates(s, items, Stats.DEFAULT);
        assertEquals(0.0, r.get(0).flip().value());
        assertEquals(0.0, r.get(0).sideEffects().value());
        assertEquals(2.0 / 3, r.get(1).flip().value(), 1e-12);
        assertEquals(3.0 / 4, r.get(1).target().value(), 1e-12);
        assertEquals(1.0 / 4, r.get(1).sideEffects().value(), 1e-12);
        assertEquals(1.0 / 4, r.get(1).perFamily().get("shape"), 1e-12);
    }

    @Test
    void scorecardHooksReadTheLargestAlphaAndTheNamedFamily() {
        SteerAnalysis.Spec s = spec(List.of(0.5, 1.0));
        List<SteerAnalysis.Item> items = List.of(item(0, "red", "circle"), item(0.5, "red", "square"), item(1, "blue", "circle"),
                item(0, "red", "circle"), item(0.5, "red", "circle"), item(1, "red", "circle"));
        // the prompt edit: seed 0's to image turns blue and square, seed 1's stays red
        List<SteerAnalysis.Item> edits = List.of(item(0, "blue", "square"), item(0, "red", "circle"));
        SteerAnalysis.Result r = new SteerAnalysis.Result("s", s, "test", List.of(1.0), List.of(1.0), SteerAnalysis.rates(s, items, Stats.DEFAULT),
                items, SteerAnalysis.promptEdit(s, items, edits, Stats.DEFAULT), edits);
        assertEquals(0.5, ValidationScores.steeringFlipRate(r), 1e-12);
        assertEquals(0.0, ValidationScores.steeringSideEffects(r), 1e-12);
        assertEquals(0.5, ValidationScores.promptEditFlipRate(r), 1e-12);
        assertEquals(0.5, ValidationScores.promptEditSideEffects(r), 1e-12);
        assertEquals(1.0, r.promptEdit().perFamily().get("shape") * 2, 1e-12);
        SteerAnalysis.Result old = new SteerAnalysis.Result("s", s, "test", List.of(1.0), List.of(1.0), r.alphas(), items, null, null);
        assertTrue(Double.isNaN(ValidationScores.promptEditSideEffects(old)), "a result written before the prompt edit existed");
        assertEquals("steering_flip_rate", ValidationScores.STEERING_FLIP_RATE);

        Estimate acc = new Estimate(0.9, 0.85, 0.95);
        ConditionAnalysis.FamilyResult color = new ConditionAnalysis.FamilyResult("color", List.of("red", "blue"), List.of(), new double[0][],
                Double.NaN, List.of(), acc, 10, new int[2][2]);
        ConditionAnalysis.FamilyResult shape = new ConditionAnalysis.FamilyResult("shape", List.of("a", "b"), List.of(), new double[0][],
                Double.NaN, null, null, 0, null);
        ConditionAnalysis.Result c = new ConditionAnalysis.Result("c", null, List.of(), List.of(), 0, 0f, List.of(color, shape));
        assertEquals(0.9, ValidationScores.conditioningAccuracyColor(c));
        assertTrue(Double.isNaN(ValidationScores.conditioningAccuracyShape(c)));
        assertEquals("conditioning_accuracy_color", ValidationScores.CONDITIONING_ACCURACY_COLOR);
    }
}
