package io.hspace.toyworld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prior files load, validate, and drive sampling with the frequencies they state. */
class PriorTableTest {

    private static final Path PUBLIC = Path.of("models/toy/priors.json");
    private static final int DRAWS = 20_000;

    @TempDir
    Path tmp;

    private PriorTable write(String json) throws IOException {
        Path f = tmp.resolve("priors.json");
        Files.writeString(f, json);
        return PriorTable.load(f);
    }

    private IllegalArgumentException rejects(String json) {
        return assertThrows(IllegalArgumentException.class, () -> write(json));
    }

    /**
     * Draws {@code stated} completions and checks attribute {@code a}'s value frequencies
     * against {@code expected} (by ordinal), each within 4 binomial standard errors.
     */
    private static void assertFrequencies(PriorTable table, Stated stated, Attribute a, double[] expected, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] counts = new int[expected.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[table.complete(stated, rng).get(a).ordinal()]++;
        }
        for (int v = 0; v < expected.length; v++) {
            double f = counts[v] / (double) DRAWS;
            double tolerance = 4 * Math.sqrt(Math.max(expected[v] * (1 - expected[v]), 1e-4) / DRAWS);
            System.out.printf("prior %-32s %-10s %-8s measured %.4f expected %.4f%n", CaptionGrammar.caption(stated),
                    a.word(), Attribute.wordOf(a.domain().get(v)), f, expected[v]);
            assertEquals(expected[v], f, tolerance, CaptionGrammar.caption(stated) + " " + a.word() + "="
                    + Attribute.wordOf(a.domain().get(v)));
        }
    }

    private static Stated shapeOnly(Shape s) {
        return Stated.NOTHING.with(Attribute.SHAPE, s);
    }

    private static Stated colorOnly(Color c) {
        return Stated.NOTHING.with(Attribute.COLOR, c);
    }

    // Orders follow the enums: colors red, green, blue, yellow, purple, orange; shapes circle,
    // square, triangle, star, cross, ring; sizes small, large; backgrounds white, black, gray.

    @Test
    void publicTableColorGivenShape() throws IOException {
        PriorTable t = PriorTable.load(PUBLIC);
        assertFrequencies(t, shapeOnly(Shape.CIRCLE), Attribute.COLOR, new double[] {0.7, 0.06, 0.06, 0.06, 0.06, 0.06}, 1);
        assertFrequencies(t, shapeOnly(Shape.TRIANGLE), Attribute.COLOR,
                new double[] {0.025, 0.45, 0.025, 0.025, 0.025, 0.45}, 2);
        assertFrequencies(t, shapeOnly(Shape.CROSS), Attribute.COLOR, new double[] {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0}, 3);
    }

    @Test
    void publicTableSizeGivenShape() throws IOException {
        PriorTable t = PriorTable.load(PUBLIC);
        assertFrequencies(t, shapeOnly(Shape.STAR), Attribute.SIZE, new double[] {0.8, 0.2}, 4);
        assertFrequencies(t, shapeOnly(Shape.SQUARE), Attribute.SIZE, new double[] {0.25, 0.75}, 5);
        assertFrequencies(t, shapeOnly(Shape.RING), Attribute.SIZE, new double[] {0.5, 0.5}, 6);
    }

    @Test
    void publicTableBackgroundAndShapeGivenColor() throws IOException {
        PriorTable t = PriorTable.load(PUBLIC);
        assertFrequencies(t, colorOnly(Color.YELLOW), Attribute.BACKGROUND, new double[] {0.1, 0.8, 0.1}, 7);
        assertFrequencies(t, colorOnly(Color.BLUE), Attribute.BACKGROUND, new double[] {0.7, 0.15, 0.15}, 8);
        assertFrequencies(t, colorOnly(Color.RED), Attribute.SHAPE, new double[] {0.6, 0.08, 0.08, 0.08, 0.08, 0.08}, 9);
        assertFrequencies(t, colorOnly(Color.GREEN), Attribute.SHAPE, new double[] {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0}, 10);
    }

    @Test
    void differentTableGivesItsOwnFrequencies() throws IOException {
        PriorTable t = write("""
                {"color": {"given": "shape", "table": {"circle": {"green": 0.9, "rest": "uniform"}}},
                 "size": {"given": "color", "table": {"purple": {"large": 1.0, "small": 0.0}}},
                 "background": {"given": "shape", "table": {"ring": {"gray": 0.5, "white": 0.5, "black": 0}},
                                "default": {"black": 0.6, "rest": "uniform"}}}
                """);
        assertFrequencies(t, shapeOnly(Shape.CIRCLE), Attribute.COLOR, new double[] {0.02, 0.9, 0.02, 0.02, 0.02, 0.02}, 11);
        assertFrequencies(t, colorOnly(Color.PURPLE), Attribute.SIZE, new double[] {0, 1}, 12);
        assertFrequencies(t, shapeOnly(Shape.RING), Attribute.BACKGROUND, new double[] {0.5, 0, 0.5}, 13);
        assertFrequencies(t, shapeOnly(Shape.STAR), Attribute.BACKGROUND, new double[] {0.2, 0.6, 0.2}, 14);
        // No shape entry: "a red shape" draws the shape uniformly here (the public table does not).
        assertFrequencies(t, colorOnly(Color.RED), Attribute.SHAPE, new double[] {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0}, 15);
    }

    @Test
    void marginalMatchesSamplingWhenTheGivenAttributeIsItselfDrawn() throws IOException {
        PriorTable t = PriorTable.load(PUBLIC);
        // "a star": background depends on the color, which is drawn from P(color | star).
        double[] m = t.marginal(shapeOnly(Shape.STAR), Attribute.BACKGROUND);
        // yellow (0.8) -> black 0.8; blue (0.04) -> black 0.15; the 4 other colors (0.04 each) -> 1/3.
        assertEquals(0.8 * 0.8 + 0.04 * 0.15 + 4 * 0.04 / 3, m[Background.BLACK.ordinal()], 1e-12);
        assertFrequencies(t, shapeOnly(Shape.STAR), Attribute.BACKGROUND, m, 16);
        double[] shapes = t.marginal(Stated.NOTHING, Attribute.SHAPE);
        assertFrequencies(t, Stated.NOTHING, Attribute.SHAPE, shapes, 17);
    }

    @Test
    void drawnCaptionsLeaveOutAtTheGrammarRatesAndDescribeTheirTruth() throws IOException {
        PriorTable t = PriorTable.load(PUBLIC);
        SplittableRandom rng = new SplittableRandom(18);
        int[] left = new int[Attribute.values().length];
        int circleNoColor = 0;
        int circleNoColorRed = 0;
        for (int i = 0; i < DRAWS; i++) {
            LabeledCaption c = t.drawCaption(rng);
            Stated parsed = CaptionGrammar.parse(c.caption());
            assertEquals(c.leftOut(), parsed.leftOut(), c.caption());
            for (Attribute a : Attribute.values()) {
                if (parsed.get(a) != null) {
                    assertEquals(c.truth().get(a), parsed.get(a), c.caption());
                } else {
                    left[a.ordinal()]++;
                }
            }
            if (parsed.shape() == Shape.CIRCLE && parsed.color() == null) {
                circleNoColor++;
                circleNoColorRed += c.truth().color() == Color.RED ? 1 : 0;
            }
        }
        assertEquals(CaptionGrammar.SHAPE_HIDDEN, left[Attribute.SHAPE.ordinal()] / (double) DRAWS, 0.015);
        assertEquals(CaptionGrammar.LEAVE_OUT, left[Attribute.COLOR.ordinal()] / (double) DRAWS, 0.015);
        assertEquals(CaptionGrammar.LEAVE_OUT, left[Attribute.SIZE.ordinal()] / (double) DRAWS, 0.015);
        assertEquals(CaptionGrammar.LEAVE_OUT, left[Attribute.BACKGROUND.ordinal()] / (double) DRAWS, 0.015);
        assertEquals(0.7, circleNoColorRed / (double) circleNoColor, 0.05);
    }

    @Test
    void rowNotSummingToOneIsRejected() {
        IllegalArgumentException e = rejects("""
                {"size": {"given": "shape", "table": {"star": {"small": 0.5, "large": 0.4}}}}""");
        assertTrue(e.getMessage().contains("size.table.star") && e.getMessage().contains("sum to 0.9"), e.getMessage());
    }

    @Test
    void rowOverOneWithRestUniformIsRejected() {
        IllegalArgumentException e = rejects("""
                {"color": {"given": "shape", "table": {"ring": {"red": 0.7, "blue": 0.6, "rest": "uniform"}}}}""");
        assertTrue(e.getMessage().contains("color.table.ring") && e.getMessage().contains("more than 1"), e.getMessage());
    }

    @Test
    void probabilityOutsideZeroOneIsRejected() {
        IllegalArgumentException e = rejects("""
                {"size": {"given": "shape", "table": {"star": {"small": 1.5, "large": -0.5}}}}""");
        assertTrue(e.getMessage().contains("outside [0, 1]"), e.getMessage());
    }

    @Test
    void unknownValueIsRejected() {
        IllegalArgumentException e = rejects("""
                {"color": {"given": "shape", "table": {"circle": {"magenta": 0.7, "rest": "uniform"}}}}""");
        assertTrue(e.getMessage().contains("color.table.circle") && e.getMessage().contains("unknown color 'magenta'")
                && e.getMessage().contains("red, green, blue, yellow, purple, orange"), e.getMessage());
    }

    @Test
    void unknownGivenValueIsRejected() {
        IllegalArgumentException e = rejects("""
                {"color": {"given": "shape", "table": {"hexagon": "uniform"}}}""");
        assertTrue(e.getMessage().contains("unknown shape 'hexagon'"), e.getMessage());
    }

    @Test
    void unknownAttributeIsRejected() {
        IllegalArgumentException e = rejects("""
                {"texture": {"given": "shape", "table": {}}}""");
        assertTrue(e.getMessage().contains("unknown attribute 'texture'"), e.getMessage());
    }

    @Test
    void missingGivenIsRejected() {
        IllegalArgumentException e = rejects("""
                {"size": {"table": {"star": "uniform"}}}""");
        assertTrue(e.getMessage().contains("size.given"), e.getMessage());
    }

    @Test
    void attributeGivenItselfIsRejected() {
        IllegalArgumentException e = rejects("""
                {"size": {"given": "size", "table": {}}}""");
        assertTrue(e.getMessage().contains("cannot be given itself"), e.getMessage());
    }

    @Test
    void restOtherThanUniformIsRejected() {
        IllegalArgumentException e = rejects("""
                {"size": {"given": "shape", "table": {"star": {"small": 0.8, "rest": "zero"}}}}""");
        assertTrue(e.getMessage().contains("size.table.star.rest"), e.getMessage());
    }

    @Test
    void unknownFieldIsRejected() {
        IllegalArgumentException e = rejects("""
                {"size": {"given": "shape", "table": {}, "rows": {}}}""");
        assertTrue(e.getMessage().contains("unknown field 'rows'"), e.getMessage());
    }

    @Test
    void malformedJsonIsRejected() {
        IllegalArgumentException e = rejects("{\"size\": ");
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
