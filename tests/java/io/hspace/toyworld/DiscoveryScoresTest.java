package io.hspace.toyworld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hspace.analysis.DiscoverAnalysis;
import io.hspace.analysis.DiscoverCell;
import java.util.List;
import org.junit.jupiter.api.Test;

/** discovery_recall_at_3 against a prior table that is not the shipped one. */
class DiscoveryScoresTest {
    static PriorTable priors() throws Exception {
        return PriorTable.parse(new ObjectMapper().readTree("""
                {"color": {"given": "shape", "table": {"circle": {"green": 0.9, "rest": "uniform"},
                                                       "ring": {"red": 0.4, "blue": 0.4, "rest": "uniform"}}},
                 "size": {"given": "shape", "table": {"circle": {"large": 0.7, "rest": "uniform"}}}}
                """), "test priors");
    }

    static DiscoverAnalysis.CellResult cell(String prompt, String... ranked) {
        return cell(prompt, List.of(), ranked);
    }

    static DiscoverAnalysis.CellResult cell(String prompt, List<String> constant, String... ranked) {
        List<DiscoverAnalysis.WordResult> words = java.util.Arrays.stream(ranked)
                .map(w -> new DiscoverAnalysis.WordResult(w, 5, 5, 1, 0, 2, 0.8, 0.6, 0.9, 1, 0.01, 0.02, w, null)).toList();
        return new DiscoverAnalysis.CellResult(new DiscoverCell("d", prompt, "a {word} thing", 3, 0), "test", List.of(), List.of(),
                constant.stream().map(w -> new DiscoverAnalysis.ConstantWord(w, 10)).toList(), words);
    }

    @Test
    void constantWordsLeadTheTopThree() throws Exception {
        // green is in (nearly) every caption of 'a circle', large is not: the constants take the
        // first places, pushing large (tested rank 2) to rank 4
        DiscoveryScores.Recall r = DiscoveryScores.recallAt3(List.of(cell("a circle", List.of("green", "on"), "white", "large")),
                priors());
        assertEquals(2, r.targets().size(), r.targets().toString());
        assertTrue(r.targets().get(0).found(), "color green is a constant word");
        assertEquals(List.of("green", "on", "white"), r.targets().get(0).top3());
        assertFalse(r.targets().get(1).found(), "size large is fourth");
    }

    @Test
    void plantedValuesInTheTopThreeCount() throws Exception {
        DiscoveryScores.Recall r = DiscoveryScores.recallAt3(List.of(
                // color green (0.9) at rank 2: found; size large (0.7) at rank 4: missed
                cell("a circle on a white background", "small", "green", "red", "large"),
                // color states what is planted, size planted large at rank 1: found
                cell("a green circle", "large", "white"),
                // no planted value: uniform color and size given a square
                cell("a square", "red", "blue"),
                // outside the grammar: not scored
                cell("a photo of a cat", "green")), priors());
        assertEquals(3, r.targets().size(), r.targets().toString());
        assertEquals(2, r.found());
        assertEquals(2.0 / 3, r.value(), 1e-12);
        DiscoveryScores.Target missed = r.targets().stream().filter(t -> !t.found()).findFirst().orElseThrow();
        assertEquals("size", missed.attribute());
        assertEquals(List.of("large"), missed.planted());
    }

    @Test
    void tiedPlantedValuesEachCount() throws Exception {
        DiscoveryScores.Recall r = DiscoveryScores.recallAt3(List.of(cell("a small ring on a black background", "blue", "x")),
                priors());
        assertEquals(1, r.targets().size());
        assertEquals(List.of("red", "blue"), r.targets().get(0).planted());
        assertTrue(r.targets().get(0).found());
    }

    @Test
    void noPlantedCellGivesNaN() {
        assertTrue(Double.isNaN(DiscoveryScores.recallAt3(List.of(cell("a circle", "red")), PriorTable.uniform()).value()));
    }
}
