package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hspace.analysis.ClusterAnalysis;
import io.hspace.analysis.ClusterMethod;
import io.hspace.analysis.ClusterSpec;
import io.hspace.analysis.DefaultsAnalysis;
import io.hspace.analysis.DefaultsCell;
import io.hspace.analysis.DiscoverAnalysis;
import io.hspace.analysis.DiscoverCell;
import io.hspace.analysis.Stats;
import io.hspace.analysis.StepSelection;
import io.hspace.analysis.SteerAnalysis;
import io.hspace.study.Study;
import io.hspace.toyworld.PriorTable;
import io.hspace.toyworld.Scorecard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorecard read from the JSON that 'hspace run' writes (the serialised analysis records), on constructed results. */
class ScorecardCommandTest {

    @TempDir
    Path dir;

    private Study study() throws Exception {
        Files.writeString(dir.resolve("study.yaml"), String.join("\n",
                "model: " + Path.of("models/toy").toAbsolutePath(),
                "sampler: {scheduler: ddim, steps: 2, size: 32x32}",
                "seeds: [0, 1]",
                "prompt_sets:",
                "  - name: cs",
                "    templates: [\"a {color} {shape}\"]",
                "    slots: {color: [red, blue], shape: [circle, square]}",
                "analyses:",
                "  defaults:",
                "    - name: c",
                "      neutral: \"a {shape}\"",
                "      over: {shape: [circle, square]}",
                "      families:",
                "        color: {variant: \"a {color} {shape}\", values: [red, blue]}",
                "  cluster:",
                "    - {name: by-shape, sets: [cs], k: 2, method: kmeans}",
                ""));
        return Study.load(dir.resolve("study.yaml"));
    }

    private static DefaultsAnalysis.CellResult cell(DefaultsCell c, double s0, double s1, double q) {
        List<DefaultsAnalysis.Estimate> scores = List.of(new DefaultsAnalysis.Estimate(s0, s0 - 0.1, s0 + 0.1),
                new DefaultsAnalysis.Estimate(s1, s1 - 0.1, s1 + 0.1));
        return new DefaultsAnalysis.CellResult(c, StepSelection.ALL, scores, scores, scores, null, s0 > s1 ? 0 : 1,
                Math.abs(s0 - s1), 0, q, q);
    }

    @Test
    void scoresTheSerialisedResultsOfAStudy() throws Exception {
        Study study = study();
        DefaultsCell circle = study.defaults().get(0);
        DefaultsCell square = study.defaults().get(1);
        // the study expands colors slowest: red circle, red square, blue circle, blue square
        ClusterSpec spec = study.clusters().get(0);
        assertEquals(List.of("a red circle", "a red square", "a blue circle", "a blue square"), spec.prompts());
        ClusterAnalysis.SetResult set = new ClusterAnalysis.SetResult(spec, StepSelection.ALL, new double[4][4], new double[4][2],
                new double[2], List.of(new ClusterAnalysis.Clustering(ClusterMethod.KMEANS, new int[] {0, 1, 0, 1}, 0.5, List.of())));
        StudyAnalyses results = new StudyAnalyses(
                new DefaultsAnalysis.Result(List.of(cell(circle, 0.4, -0.4, 0.2), cell(square, 0.1, 0.2, 0.01)), List.of(), Stats.DEFAULT),
                List.of(), List.of(new ClusterAnalysis.Result(set, List.of())), List.of());
        JsonNode json = new ObjectMapper().readTree(StudyAnalyses.JSON.writeValueAsString(results));
        PriorTable table = PriorTable.parse(new ObjectMapper().readTree(
                "{\"color\": {\"given\": \"shape\", \"table\": {\"circle\": {\"red\": 0.7, \"rest\": \"uniform\"}}}}"), "test");

        Map<String, Double> lines = ScorecardCommand.scorecard(study, table, json, dir.resolve("results.json")).lines().stream()
                .collect(Collectors.toMap(Scorecard.Line::name, Scorecard.Line::value));
        // circle: red planted 0.7 vs blue 0.06, red scored higher; square: uniform, q 0.01 < 0.05
        assertEquals(1.0, lines.get("defaults_top1_accuracy"), 1e-12);
        assertEquals(1.0, lines.get("control_false_positive_rate"), 1e-12);
        // scores 0.4 -0.4 0.1 0.2 -> ranks 4 1 2 3; planted 0.921 0.079 0.5 0.5 -> ranks 4 1 2.5 2.5
        assertEquals(4.5 / Math.sqrt(5 * 4.5), lines.get("defaults_spearman"), 1e-12);
        assertEquals(1.0, lines.get("cluster_ari"), 1e-12);
        assertEquals(1.0, lines.get("cluster_ari_kmeans"), 1e-12);
    }

    @Test
    void discoverResultsAddTheRecallLine() throws Exception {
        Study study = study();
        List<DiscoverAnalysis.WordResult> ranked = java.util.stream.Stream.of("white", "blue", "red")
                .map(w -> new DiscoverAnalysis.WordResult(w, 4, 4, 1, 0, 2, 0.8, 0.6, 0.9, 1, 0.01, 0.02, "a " + w + " square", 0.5))
                .toList();
        List<DiscoverAnalysis.CellResult> discover = List.of(new DiscoverAnalysis.CellResult(
                new DiscoverCell("d", "a square", "a {word} square", 3, 0), "toyworld", List.of(0L, 1L), List.of("x", "y"), List.of(), ranked));
        StudyAnalyses results = new StudyAnalyses(new DefaultsAnalysis.Result(List.of(cell(study.defaults().get(0), 0.4, -0.4, 0.2),
                cell(study.defaults().get(1), 0.1, 0.2, 0.01)), List.of(), Stats.DEFAULT), List.of(), List.of(), discover);
        JsonNode json = new ObjectMapper().readTree(StudyAnalyses.JSON.writeValueAsString(results));
        // square: blue planted 0.6 (found at rank 2); the other left-out attributes are uniform given a square here
        PriorTable table = PriorTable.parse(new ObjectMapper().readTree(
                "{\"color\": {\"given\": \"shape\", \"table\": {\"square\": {\"blue\": 0.6, \"rest\": \"uniform\"}}}}"), "test");
        Map<String, Double> lines = ScorecardCommand.scorecard(study, table, json, dir.resolve("results.json")).lines().stream()
                .collect(Collectors.toMap(Scorecard.Line::name, Scorecard.Line::value));
        assertEquals(1.0, lines.get("discovery_recall_at_3"), 1e-12);
    }

    @Test
    void resultsOfOtherCellsThanTheStudyNamesAreRefused() throws Exception {
        Study study = study();
        DefaultsCell other = new DefaultsCell("c", "a star", "color", List.of("red", "blue"), List.of("a red star", "a blue star"));
        StudyAnalyses results = new StudyAnalyses(new DefaultsAnalysis.Result(List.of(cell(other, 0.1, 0.2, 0.5)), List.of(), Stats.DEFAULT),
                List.of(), List.of(), List.of());
        JsonNode json = new ObjectMapper().readTree(StudyAnalyses.JSON.writeValueAsString(results));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScorecardCommand.scorecard(study, PriorTable.uniform(), json, dir.resolve("results.json")));
        assertTrue(e.getMessage().contains("rerun"), e.getMessage());
    }

    /** A study with one steer entry, and its steer.json as 'hspace run' writes it, minus {@code dropped} fields. */
    private Study steerStudy(String... dropped) throws Exception {
        Files.writeString(dir.resolve("steer-study.yaml"), String.join("\n",
                "model: " + Path.of("models/toy").toAbsolutePath(),
                "sampler: {scheduler: ddim, steps: 2, size: 32x32}",
                "seeds: [0, 1]",
                "prompt_sets:",
                "  - {name: p, prompts: [\"a circle\"]}",
                "analyses:",
                "  steer:",
                "    - {name: blue, from: \"a circle\", to: \"a blue circle\", families: {color: [red, blue], shape: [circle, square]},",
                "       steered: color, target: blue, alphas: [1]}",
                ""));
        Study study = Study.load(dir.resolve("steer-study.yaml"));
        SteerAnalysis.Spec spec = study.steer().get(0).spec();
        List<SteerAnalysis.Item> items = List.of(steerItem(0, "red", "circle"), steerItem(1, "blue", "circle"), steerItem(0, "red", "circle"),
                steerItem(1, "blue", "square"));
        List<SteerAnalysis.Item> edits = List.of(steerItem(0, "blue", "square"), steerItem(0, "blue", "square"));
        SteerAnalysis.Result r = new SteerAnalysis.Result("blue", spec, "test", List.of(1.0), List.of(2.0),
                SteerAnalysis.rates(spec, items, Stats.DEFAULT), items, SteerAnalysis.promptEdit(spec, items, edits, Stats.DEFAULT), edits);
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper()
                .readTree(StudyAnalyses.JSON.writeValueAsString(r));
        for (String field : dropped) {
            if (json.remove(field) == null) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("spec")).remove(field);
            }
        }
        Files.createDirectories(dir.resolve("steer-blue"));
        Files.writeString(dir.resolve("steer-blue/steer.json"), json.toString());
        return study;
    }

    private static SteerAnalysis.Item steerItem(double alpha, String color, String shape) {
        return new SteerAnalysis.Item("a circle", 0, alpha, "x.png", color + " " + shape, Map.of("color", color, "shape", shape));
    }

    private Map<String, Double> validationLines(Study study) throws Exception {
        return ScorecardCommand.validation(study, dir).lines().stream()
                .collect(Collectors.toMap(Scorecard.Line::name, Scorecard.Line::value));
    }

    @Test
    void steerResultsAddTheFlipSideEffectAndPromptEditLines() throws Exception {
        Map<String, Double> lines = validationLines(steerStudy());
        assertEquals(1.0, lines.get("steering_flip_rate"), 1e-12);
        assertEquals(0.5, lines.get("steering_side_effects"), 1e-12);
        assertEquals(1.0, lines.get("steering_prompt_edit_flip_rate"), 1e-12);
        assertEquals(1.0, lines.get("steering_prompt_edit_side_effects"), 1e-12);
    }

    /** A steer.json written before the branch, direction and prompt-edit fields existed still scores. */
    @Test
    void aSteerResultWithoutTheNewerFieldsStillScores() throws Exception {
        Map<String, Double> lines = validationLines(steerStudy("branch", "direction", "promptEdit", "promptEditItems", "directionNorms",
                "hNorms"));
        assertEquals(1.0, lines.get("steering_flip_rate"), 1e-12);
        assertTrue(!lines.containsKey("steering_prompt_edit_side_effects"), lines.toString());
        SteerAnalysis.Result old = StudyAnalyses.JSON.readValue(dir.resolve("steer-blue/steer.json").toFile(), SteerAnalysis.Result.class);
        assertEquals(io.hspace.engine.Branch.BOTH, old.spec().branch(), "old runs steered both branches");
        assertEquals(SteerAnalysis.Direction.MEAN, old.spec().direction(), "old runs steered along the mean");
        assertEquals(old.alphas(), old.rows(), "no prompt-edit row");
    }
}
