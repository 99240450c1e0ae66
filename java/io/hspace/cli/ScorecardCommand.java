package io.hspace.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.DiscoverAnalysis;
import io.hspace.analysis.SteerAnalysis;
import io.hspace.analysis.ValidationScores;
import io.hspace.analysis.NativeProjections;
import io.hspace.atlas.Atlas;
import io.hspace.study.Study;
import io.hspace.toyworld.ClusterScore;
import io.hspace.toyworld.DefaultsScore;
import io.hspace.toyworld.DiscoveryScores;
import io.hspace.toyworld.PriorTable;
import io.hspace.toyworld.Scorecard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hspace scorecard}: a Toy World study's findings scored against the prior table. */
@Command(name = "scorecard", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Scores a Toy World study against a prior table and prints one 'name: value' line per figure:",
            "defaults_top1_accuracy (cells with a non-uniform planted prior whose top-scored variant is a planted argmax),",
            "defaults_spearman (default scores against planted probabilities, every variant of every cell),",
            "control_false_positive_rate (cells with a uniform prior and q < the study's alpha),",
            "cluster_ari (adjusted Rand index of the clusterings against the shape groups),",
            "discovery_recall_at_3 (discover prompts whose planted left-out value is among the top 3 caption words),",
            "conditioning_accuracy_color / _shape and steering_flip_rate / _side_effects (largest alpha) of the condition and steer entries,",
            "steering_prompt_edit_flip_rate / _side_effects (the to prompts' own images against the from prompts', same seeds: the reference).",
            "Study cells are matched to the prior table by parsing their prompts with the Toy World caption grammar.",
            "Reads DIR/results.json written by 'hspace run'; without it, recomputes the analyses from DIR/atlas."},
        footer = {"", "Example:", "  hspace scorecard --study examples/toyworld-study.yaml --out out/toyworld --priors models/toy/priors.json"})
final class ScorecardCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, description = "The study file (YAML or JSON).")
    Path studyFile;

    @Option(names = "--out", description = "The run's output folder (results.json or atlas/); default out/<study name>.")
    Path out;

    @Option(names = "--priors", required = true, description = "The prior table the model was trained on (JSON).")
    Path priors;

    @Option(names = "--details", description = "Also print every cell and clustering behind the figures (to stderr).")
    boolean details;

    @Option(names = "--device", description = "-1 for the CPU, else a CUDA device index (only when recomputing).", defaultValue = "-1")
    int device;

    @Override
    public Integer call() throws IOException {
        Study study = Study.load(studyFile);
        PriorTable table = PriorTable.load(priors);
        Path dir = out != null ? out : Path.of("out", study.name());
        Path resultsFile = dir.resolve("results.json");
        JsonNode results;
        if (Files.isRegularFile(resultsFile)) {
            results = StudyAnalyses.JSON.readTree(resultsFile.toFile());
        } else {
            System.err.println(resultsFile + " not found: recomputing the analyses from " + dir.resolve("atlas"));
            Atlas atlas = Atlas.open(dir.resolve("atlas"));
            results = StudyAnalyses.JSON.valueToTree(
                    StudyAnalyses.run(study, atlas, new NativeProjections(device), StudyAnalyses.Only.ALL));
        }
        Scorecard card = scorecard(study, table, results, resultsFile);
        card.add(validation(study, dir));
        System.out.print(card.format());
        if (details) {
            System.err.print(card.details());
        }
        return 0;
    }

    /**
     * The scorecard of a study's results (the JSON form of {@link StudyAnalyses}).
     *
     * @throws IllegalArgumentException when the results are not those of this study's analyses
     */
    static Scorecard scorecard(Study study, PriorTable table, JsonNode results, Path source) {
        Scorecard card = new Scorecard();
        List<DefaultsScore.Cell> cells = defaultsCells(results);
        Set<String> want = new TreeSet<>();
        study.defaults().forEach(c -> want.add(c.neutral() + " / " + c.family()));
        Set<String> have = new TreeSet<>();
        JsonNode pooled = results.path("defaults").path("pooled");
        pooled.forEach(c -> have.add(c.path("cell").path("neutral").asText() + " / " + c.path("cell").path("family").asText()));
        if (!want.equals(have)) {
            throw new IllegalArgumentException(source + " holds other defaults cells than " + study.file()
                    + " names (rerun 'hspace run' on the study): study " + want + ", results " + have);
        }
        if (!cells.isEmpty()) {
            card.add(new DefaultsScore(table, cells, study.stats().alpha()));
        }
        List<ClusterScore.Clustering> clusterings = clusterings(results);
        if (!clusterings.isEmpty()) {
            card.add(new ClusterScore(clusterings));
        }
        List<DiscoverAnalysis.CellResult> discover = results.has("discover")
                ? StudyAnalyses.JSON.convertValue(results.get("discover"), new TypeReference<List<DiscoverAnalysis.CellResult>>() {})
                : List.of();
        if (!discover.isEmpty()) {
            card.add(DiscoveryScores.recallAt3(discover, table));
        }
        if (card.lines().isEmpty()) {
            throw new IllegalArgumentException(study.file() + " has no defaults, cluster or discover analyses to score");
        }
        return card;
    }

    /**
     * conditioning_accuracy_color / _shape, steering_flip_rate / _side_effects and
     * steering_prompt_edit_flip_rate / _side_effects of the study's condition and steer entries, read from the run's condition-NAME/ and steer-NAME/ folders
     * (the first entry that gives each figure; entries the run has not written are named).
     */
    static Scorecard.Section validation(Study study, Path dir) throws IOException {
        java.util.Map<String, Double> figures = new java.util.LinkedHashMap<>();
        StringBuilder details = new StringBuilder();
        com.fasterxml.jackson.databind.ObjectReader reader = StudyAnalyses.JSON.reader()
                .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        for (Study.Condition c : study.condition()) {
            Path f = dir.resolve("condition-" + c.spec().name()).resolve("condition.json");
            if (!Files.isRegularFile(f)) {
                details.append("condition ").append(c.spec().name()).append(": ").append(f).append(" not found (run 'hspace run')\n");
                continue;
            }
            ConditionAnalysis.Result r = reader.forType(ConditionAnalysis.Result.class).readValue(f.toFile());
            figures.putIfAbsent(ValidationScores.CONDITIONING_ACCURACY_COLOR, ValidationScores.conditioningAccuracyColor(r));
            figures.putIfAbsent(ValidationScores.CONDITIONING_ACCURACY_SHAPE, ValidationScores.conditioningAccuracyShape(r));
        }
        for (Study.Steer st : study.steer()) {
            Path f = dir.resolve("steer-" + st.spec().name()).resolve("steer.json");
            if (!Files.isRegularFile(f)) {
                details.append("steer ").append(st.spec().name()).append(": ").append(f).append(" not found (run 'hspace run')\n");
                continue;
            }
            SteerAnalysis.Result r = reader.forType(SteerAnalysis.Result.class).readValue(f.toFile());
            figures.putIfAbsent(ValidationScores.STEERING_FLIP_RATE, ValidationScores.steeringFlipRate(r));
            figures.putIfAbsent(ValidationScores.STEERING_SIDE_EFFECTS, ValidationScores.steeringSideEffects(r));
            if (r.promptEdit() != null) {  // absent from steer.json written before the reference existed
                figures.putIfAbsent(ValidationScores.PROMPT_EDIT_FLIP_RATE, ValidationScores.promptEditFlipRate(r));
                figures.putIfAbsent(ValidationScores.PROMPT_EDIT_SIDE_EFFECTS, ValidationScores.promptEditSideEffects(r));
            }
        }
        List<Scorecard.Line> lines = new ArrayList<>();
        figures.forEach((k, v) -> lines.add(new Scorecard.Line(k, v)));
        return new Scorecard.Section() {
            @Override
            public List<Scorecard.Line> lines() {
                return lines;
            }

            @Override
            public String details() {
                return details.toString();
            }
        };
    }

    /** The pooled defaults cells (mean over the captured steps). */
    static List<DefaultsScore.Cell> defaultsCells(JsonNode results) {
        List<DefaultsScore.Cell> out = new ArrayList<>();
        for (JsonNode c : results.path("defaults").path("pooled")) {
            List<String> variants = new ArrayList<>();
            c.path("cell").path("variants").forEach(v -> variants.add(v.asText()));
            JsonNode scores = c.path("scores");
            double[] s = new double[scores.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = scores.get(i).path("value").asDouble();
            }
            out.add(new DefaultsScore.Cell(c.path("cell").path("neutral").asText(), variants, s, c.path("q").asDouble()));
        }
        return out;
    }

    /** Every clustering of every cluster entry, pooled over the captured steps. */
    static List<ClusterScore.Clustering> clusterings(JsonNode results) {
        List<ClusterScore.Clustering> out = new ArrayList<>();
        for (JsonNode entry : results.path("clusters")) {
            JsonNode pooled = entry.path("pooled");
            List<String> prompts = new ArrayList<>();
            pooled.path("spec").path("prompts").forEach(p -> prompts.add(p.asText()));
            for (JsonNode cl : pooled.path("clusterings")) {
                JsonNode a = cl.path("assignment");
                int[] assignment = new int[a.size()];
                for (int i = 0; i < assignment.length; i++) {
                    assignment[i] = a.get(i).asInt();
                }
                out.add(new ClusterScore.Clustering(pooled.path("spec").path("name").asText(),
                        cl.path("method").asText().toLowerCase(Locale.ROOT), prompts, assignment));
            }
        }
        return out;
    }
}
