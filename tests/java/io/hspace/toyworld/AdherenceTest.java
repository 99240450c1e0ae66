package io.hspace.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The gates' arithmetic: accuracy from the confusion of stated and read values, and what the report shows. */
class AdherenceTest {

    private static final String STAR = "a small red star on a white background";
    private static final String CIRCLE = "a large blue circle on a black background";

    private static Adherence adherence() throws Exception {
        return new Adherence(PriorTable.load(Path.of("models/toy/priors.json")));
    }

    @Test
    void accuracyIsTheConfusionDiagonalAndUnreadableImagesCountAsWrong() throws Exception {
        Adherence a = adherence();
        Stated star = CaptionGrammar.parse(STAR);
        for (int i = 0; i < 7; i++) {
            a.add(STAR, star);
        }
        a.add(STAR, star.with(Attribute.SHAPE, Shape.CROSS));
        a.add(STAR, star.with(Attribute.SHAPE, Shape.CROSS));
        a.add(STAR, star.with(Attribute.SHAPE, null));
        Stated circle = CaptionGrammar.parse(CIRCLE);
        for (int i = 0; i < 10; i++) {
            a.add(CIRCLE, circle);
        }

        assertEquals(20, a.fullySpecifiedImages());
        assertEquals(17 / 20.0, a.accuracy(Attribute.SHAPE), 1e-12);
        assertEquals(1.0, a.accuracy(Attribute.COLOR), 1e-12);
        int[][] shape = a.confusion(Attribute.SHAPE);
        int[] starRow = new int[Shape.values().length + 1];
        starRow[Shape.STAR.ordinal()] = 7;
        starRow[Shape.CROSS.ordinal()] = 2;
        starRow[Shape.values().length] = 1;
        assertArrayEquals(starRow, shape[Shape.STAR.ordinal()]);
        assertEquals(10, shape[Shape.CIRCLE.ordinal()][Shape.CIRCLE.ordinal()]);
        assertFalse(a.passes(), "shape 0.85 is below the 0.90 gate");
        assertEquals(0.7, a.accuracy(Attribute.SHAPE, Attribute.SIZE, Size.SMALL), 1e-12);
        assertEquals(1.0, a.accuracy(Attribute.SHAPE, Attribute.SIZE, Size.LARGE), 1e-12);
        assertEquals(0.7, a.accuracy(Attribute.SHAPE, Attribute.SHAPE, Shape.STAR), 1e-12);
        assertEquals(1.0, a.accuracy(Attribute.COLOR, Attribute.SIZE, Size.SMALL), 1e-12);
        assertTrue(Double.isNaN(a.accuracy(Attribute.SHAPE, Attribute.BACKGROUND, Background.GRAY)), "no image stated gray");

        String report = a.report("settings line");
        assertTrue(report.startsWith("settings line\n"), report);
        assertTrue(report.contains("  shape confusion (rows stated, columns read, '-' unreadable):"), report);
        assertTrue(report.matches("(?s).*\\n    star\\s+0\\s+0\\s+0\\s+7\\s+2\\s+0\\s+1\\n.*"), report);
        assertTrue(report.contains("  shape accuracy by stated value:\n"), report);
        assertTrue(report.contains("    size       small 0.700 large 1.000\n"), report);
        assertTrue(report.contains("    background white 0.700 black 1.000 gray -\n"), report);
        assertFalse(report.contains("color confusion"), "a perfectly read attribute needs no table");
        assertFalse(report.contains("color accuracy by"), report);
        assertTrue(report.contains("  shape      accuracy 0.850  FAIL"), report);
        assertTrue(report.contains("accuracy gate: FAIL"), report);
    }

    @Test
    void accuracyByStatedValueSplitsOnTheStatedAttributeNamed() throws Exception {
        Adherence a = adherence();
        add(a, "a small red star on a white background", null, 4);
        add(a, "a small blue circle on a gray background", Shape.SQUARE, 4);
        add(a, "a large red circle on a white background", null, 2);
        add(a, "a large blue star on a black background", null, 2);

        assertEquals(0.5, a.accuracy(Attribute.SHAPE, Attribute.SIZE, Size.SMALL), 1e-12);
        assertEquals(1.0, a.accuracy(Attribute.SHAPE, Attribute.SIZE, Size.LARGE), 1e-12);
        assertEquals(1.0, a.accuracy(Attribute.SHAPE, Attribute.SHAPE, Shape.STAR), 1e-12);
        assertEquals(2 / 6.0, a.accuracy(Attribute.SHAPE, Attribute.SHAPE, Shape.CIRCLE), 1e-12);
        assertEquals(2 / 6.0, a.accuracy(Attribute.SHAPE, Attribute.COLOR, Color.BLUE), 1e-12);
        assertEquals(0.0, a.accuracy(Attribute.SHAPE, Attribute.BACKGROUND, Background.GRAY), 1e-12);
        assertEquals(1.0, a.accuracy(Attribute.COLOR, Attribute.SHAPE, Shape.CIRCLE), 1e-12);
        assertTrue(Double.isNaN(a.accuracy(Attribute.SHAPE, Attribute.COLOR, Color.GREEN)), "no image stated green");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.accuracy(Attribute.SHAPE, Attribute.SIZE, Shape.SQUARE));
        assertTrue(e.getMessage().contains("square is not a size"), e.getMessage());
    }

    /** Adds {@code n} images of {@code prompt} read as stated, but for {@code misreadShape} when not null. */
    private static void add(Adherence a, String prompt, Shape misreadShape, int n) {
        Stated read = CaptionGrammar.parse(prompt);
        if (misreadShape != null) {
            read = read.with(Attribute.SHAPE, misreadShape);
        }
        for (int i = 0; i < n; i++) {
            a.add(prompt, read);
        }
    }

    @Test
    void leftOutPromptsFeedTheCellsNotTheAccuracy() throws Exception {
        Adherence a = adherence();
        Stated read = CaptionGrammar.parse("a small yellow star on a black background");
        for (int i = 0; i < 4; i++) {
            a.add("a star", read);
        }
        assertEquals(0, a.fullySpecifiedImages());
        assertTrue(Double.isNaN(a.accuracy(Attribute.SHAPE)));
        String report = a.report("settings");
        assertTrue(report.contains("  shape      accuracy -  (no fully specified images)"), report);
        assertTrue(report.contains("accuracy gate: PASS"), "nothing measured, nothing failed: " + report);
        assertFalse(report.contains("confusion"), report);
        Adherence.Cell yellow = a.cells().stream()
                .filter(c -> c.attribute() == Attribute.COLOR && c.value() == Color.YELLOW).findFirst().orElseThrow();
        assertEquals(4, yellow.count());
        assertEquals(1.0, yellow.measured(), 1e-12);
    }

    @Test
    void aGapOfExactlyTheBoundPassesWhateverTheLastBitsOfThePlantedValue() {
        double planted = Math.nextUp(0.5);  // a marginal summed over the table can land a bit above 1/2
        assertTrue(new Adherence.Cell("a circle", Attribute.SIZE, Size.LARGE, 160, 400, 160 / 400.0, planted).passes());
        assertTrue(new Adherence.Cell("a circle", Attribute.SIZE, Size.SMALL, 240, 400, 240 / 400.0, 1 - planted).passes());
        assertFalse(new Adherence.Cell("a circle", Attribute.SIZE, Size.LARGE, 159, 400, 159 / 400.0, planted).passes());
    }
}
