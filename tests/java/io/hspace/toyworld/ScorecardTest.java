package io.hspace.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scoring logic on constructed results and a constructed prior table; expected values worked out by hand. */
class ScorecardTest {

    private static PriorTable table(String json) throws Exception {
        return PriorTable.parse(new ObjectMapper().readTree(json), "test");
    }

    /** color | circle: red 0.7 (the other five 0.06); size | star: small 0.8; everything else uniform. */
    private static PriorTable circleRedStarSmall() throws Exception {
        return table("{\"color\": {\"given\": \"shape\", \"table\": {\"circle\": {\"red\": 0.7, \"rest\": \"uniform\"}}},"
                + " \"size\": {\"given\": \"shape\", \"table\": {\"star\": {\"small\": 0.8, \"rest\": \"uniform\"}}}}");
    }

    private static final DefaultsScore.Cell CIRCLE_COLOR = new DefaultsScore.Cell("a circle",
            List.of("a red circle", "a green circle", "a blue circle"), new double[] {0.5, 0.1, -0.2}, 0.01);
    private static final DefaultsScore.Cell SQUARE_COLOR = new DefaultsScore.Cell("a square",
            List.of("a red square", "a green square", "a blue square"), new double[] {0.3, 0.2, 0.1}, 0.02);
    private static final DefaultsScore.Cell SQUARE_SIZE = new DefaultsScore.Cell("a square",
            List.of("a small square", "a large square"), new double[] {0.1, -0.1}, 0.5);
    private static final DefaultsScore.Cell STAR_SIZE = new DefaultsScore.Cell("a star",
            List.of("a small star", "a large star"), new double[] {-0.2, 0.2}, 0.001);

    @Test
    void cellsAreMappedThroughTheGrammarAndRenormalisedOverTheirVariants() throws Exception {
        DefaultsScore.Planted p = DefaultsScore.plant(circleRedStarSmall(), CIRCLE_COLOR);
        assertEquals(Attribute.COLOR, p.attribute());
        // 0.7, 0.06, 0.06 over the three variants, divided by 0.82
        assertArrayEquals(new double[] {0.7 / 0.82, 0.06 / 0.82, 0.06 / 0.82}, p.planted(), 1e-12);
        assertFalse(p.control());
        assertTrue(p.topCorrect());
        DefaultsScore.Planted shape = DefaultsScore.plant(circleRedStarSmall(), new DefaultsScore.Cell("a red shape",
                List.of("a red circle", "a red star"), new double[] {0, 0}, 1));
        assertEquals(Attribute.SHAPE, shape.attribute());
        assertTrue(shape.control());
    }

    @Test
    void topAccuracyCountsOnlyCellsWithAPlantedMajority() throws Exception {
        DefaultsScore s = new DefaultsScore(circleRedStarSmall(), List.of(CIRCLE_COLOR, SQUARE_COLOR, SQUARE_SIZE, STAR_SIZE), 0.05);
        // circle/color right (red), star/size wrong (large scored highest); the square cells are controls
        assertEquals(0.5, s.topAccuracy(), 1e-12);
        // square/color has q 0.02 < 0.05 (a false positive), square/size q 0.5
        assertEquals(0.5, s.controlFalsePositiveRate(), 1e-12);
    }

    @Test
    void spearmanRunsOverEveryVariantOfEveryCell() throws Exception {
        DefaultsScore s = new DefaultsScore(circleRedStarSmall(), List.of(CIRCLE_COLOR, STAR_SIZE), 0.05);
        // scores 0.5 0.1 -0.2 | -0.2 0.2 -> ranks 5 3 1.5 | 1.5 4
        // planted 0.854 0.073 0.073 | 0.8 0.2 -> ranks 5 1.5 1.5 | 4 3
        // sum dx dy = 4.75, sum dx^2 = sum dy^2 = 9.5
        assertEquals(0.5, s.spearman(), 1e-12);
    }

    @Test
    void anotherPriorTableChangesWhichCellsAreControls() throws Exception {
        PriorTable squareBlue = table("{\"color\": {\"given\": \"shape\", \"table\": {\"square\": {\"blue\": 0.6, \"rest\": \"uniform\"}}}}");
        DefaultsScore s = new DefaultsScore(squareBlue, List.of(CIRCLE_COLOR, SQUARE_COLOR), 0.05);
        assertTrue(s.planted().get(0).control());
        assertFalse(s.planted().get(1).control());
        // square: red scored highest, blue planted: wrong; circle is now a control with q 0.01
        assertEquals(0.0, s.topAccuracy(), 1e-12);
        assertEquals(1.0, s.controlFalsePositiveRate(), 1e-12);
    }

    @Test
    void aTieForThePlantedMaximumAcceptsEither() throws Exception {
        PriorTable tie = table("{\"color\": {\"given\": \"shape\", \"table\": {\"triangle\": {\"green\": 0.45, \"orange\": 0.45, \"rest\": \"uniform\"}}}}");
        DefaultsScore.Cell c = new DefaultsScore.Cell("a triangle", List.of("a green triangle", "a orange triangle", "a red triangle"),
                new double[] {0.1, 0.3, 0.2}, 0.01);
        assertTrue(DefaultsScore.plant(tie, c).topCorrect());
    }

    @Test
    void aCellWhoseVariantsChangeTheNeutralsAttributeIsRejected() {
        DefaultsScore.Cell bad = new DefaultsScore.Cell("a circle", List.of("a red circle", "a red square"), new double[] {0, 0}, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DefaultsScore.plant(PriorTable.uniform(), bad));
        assertTrue(e.getMessage().contains("a circle") && e.getMessage().contains("shape"), e.getMessage());
        DefaultsScore.Cell notToy = new DefaultsScore.Cell("a doctor", List.of("a male doctor", "a female doctor"), new double[] {0, 0}, 1);
        assertThrows(IllegalArgumentException.class, () -> DefaultsScore.plant(PriorTable.uniform(), notToy));
    }

    @Test
    void clusterAriIsAgainstTheShapeGroups() {
        List<String> prompts = List.of("a red circle", "a blue circle", "a red square", "a blue square", "a red shape");
        ClusterScore byShape = new ClusterScore(List.of(new ClusterScore.Clustering("x", "kmeans", prompts, new int[] {0, 0, 1, 1, 1})));
        // "a red shape" states no shape and is left out
        assertEquals(1.0, byShape.lines().get(0).value(), 1e-12);
        ClusterScore byColor = new ClusterScore(List.of(
                new ClusterScore.Clustering("x", "kmeans", prompts, new int[] {0, 1, 0, 1, 0}),
                new ClusterScore.Clustering("x", "agglomerative", prompts, new int[] {0, 0, 1, 1, 0})));
        List<Scorecard.Line> lines = byColor.lines();
        assertEquals("cluster_ari", lines.get(0).name());
        assertEquals((-0.5 + 1.0) / 2, lines.get(0).value(), 1e-12);
        assertEquals("cluster_ari_kmeans", lines.get(1).name());
        assertEquals(-0.5, lines.get(1).value(), 1e-12);
        assertEquals("cluster_ari_agglomerative", lines.get(2).name());
        assertEquals(1.0, lines.get(2).value(), 1e-12);
    }

    @Test
    void scorecardPrintsOneNameValueLinePerFigureFromEverySection() throws Exception {
        DefaultsScore defaults = new DefaultsScore(circleRedStarSmall(), List.of(CIRCLE_COLOR, SQUARE_COLOR, SQUARE_SIZE, STAR_SIZE), 0.05);
        Scorecard card = new Scorecard().add(defaults).add(() -> List.of(new Scorecard.Line("extra_section", 0.25)));
        assertEquals(String.join("\n", "defaults_top1_accuracy: 0.5000",
                "defaults_spearman: " + String.format(java.util.Locale.ROOT, "%.4f", defaults.spearman()),
                "control_false_positive_rate: 0.5000", "defaults_majority_cells: 2", "defaults_control_cells: 2",
                "extra_section: 0.2500", ""), card.format());
        assertTrue(card.details().contains("FALSE POSITIVE"), card.details());
        Scorecard twice = new Scorecard().add(() -> List.of(new Scorecard.Line("a", 1))).add(() -> List.of(new Scorecard.Line("a", 2)));
        assertThrows(IllegalStateException.class, twice::lines);
    }
}
