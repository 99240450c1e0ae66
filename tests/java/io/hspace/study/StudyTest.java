package io.hspace.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.analysis.ClusterMethod;
import io.hspace.analysis.DefaultsCell;
import io.hspace.engine.Branch;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import io.hspace.atlas.TaggedPrompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyTest {
    @TempDir
    Path tmp;

    static final String FULL = """
            name: demo
            model: ../models/toy
            sampler:
              scheduler: ddim
              steps: 10
              guidance: 7.5
              size: 32x32
              negative_prompt: blurry
            seeds: [0, 3, "10-12"]
            capture:
              steps: [4, 9]
              branch: cond
              pooling: spatial-mean
            prompt_sets:
              - name: shapes
                templates: ["a {color} {shape}", "a {shape}"]
                slots:
                  shape: [circle, square]
                  color: [red, blue]
              - name: extra
                prompts: ["a circle", "a cat"]
            analyses:
              defaults:
                - name: color-default
                  neutral: "a {shape}"
                  over: {shape: [circle, square]}
                  families:
                    color: {variant: "a {color} {shape}", values: [red, blue, green]}
              descriptors:
                - concept: "a {shape}"
                  over: {shape: [circle]}
                  descriptors: ["something round", "something sharp"]
                  base: "a shape"
              cluster:
                - sets: [shapes]
                  k: 2
                  method: kmeans
              statistics: {bootstrap: 200, permutations: 99, alpha: 0.1, seed: 7}
            """;

    private Path write(String yaml) throws IOException {
        Path f = tmp.resolve("study.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private StudyException fails(String yaml) throws IOException {
        Path f = write(yaml);
        return assertThrows(StudyException.class, () -> Study.load(f));
    }

    @Test
    void loadsAndExpandsAFullStudy() throws IOException {
        Study s = Study.load(write(FULL));
        assertEquals("demo", s.name());
        assertEquals(tmp.getParent().resolve("models/toy").normalize(), s.model());
        assertEquals(Scheduler.DDIM, s.sampler().scheduler());
        assertEquals(32, s.sampler().width());
        assertEquals("blurry", s.sampler().negativePrompt());
        assertEquals(List.of(0L, 3L, 10L, 11L, 12L), s.seeds());
        assertEquals(List.of(4, 9), s.capture().steps());
        assertEquals(Pooling.SPATIAL_MEAN, s.capture().pooling());
        assertEquals(List.of("a red circle", "a blue circle", "a red square", "a blue square", "a circle", "a square", "a cat"),
                s.promptSets().get("shapes").size() == 6 ? concat(s.promptSets().get("shapes"), List.of("a cat")) : List.of());
        TaggedPrompt redSquare = s.prompts().stream().filter(p -> p.text().equals("a red square")).findFirst().orElseThrow();
        assertEquals("shapes", redSquare.tags().get(0).source());
        assertEquals("a {color} {shape}", redSquare.tags().get(0).template());
        assertEquals(Map.of("shape", "square", "color", "red"), redSquare.tags().get(0).slots());
        assertEquals(2, s.defaults().size());
        DefaultsCell c = s.defaults().get(1);
        assertEquals("a square", c.neutral());
        assertEquals(List.of("a red square", "a blue square", "a green square"), c.variants());
        assertTrue(s.prompts().stream().anyMatch(p -> p.text().equals("a green square")), "analysis prompts are extracted too");
        assertEquals(List.of("a circle"), s.descriptors().get(0).concepts());
        assertEquals("a shape", s.descriptors().get(0).base());
        assertEquals(ClusterMethod.KMEANS, s.clusters().get(0).method());
        assertEquals(6, s.clusters().get(0).prompts().size());
        assertEquals(200, s.stats().bootstrap());
        assertEquals(7L, s.stats().seed());
        assertEquals(s.prompts().size(), s.prompts().stream().map(TaggedPrompt::text).distinct().count());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void duplicatePromptsAreExtractedOnceWithAWarningAndAllTags() throws IOException {
        Study s = Study.load(write(FULL));
        TaggedPrompt circle = s.prompts().stream().filter(p -> p.text().equals("a circle")).findFirst().orElseThrow();
        assertEquals(List.of("shapes", "extra", "defaults:color-default", "descriptors:a {shape}"),
                circle.tags().stream().map(t -> t.source()).toList());
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).contains("'a circle'"), s.warnings().get(0));
    }

    @Test
    void unknownKeyNamesLineAndKey() throws IOException {
        StudyException e = fails(FULL.replace("  guidance: 7.5", "  guidence: 7.5"));
        assertTrue(e.getMessage().contains("study.yaml:6:") && e.getMessage().contains("unknown key 'guidence' in sampler"),
                e.getMessage());
        assertTrue(e.getMessage().contains("guidance"), "lists the valid keys: " + e.getMessage());
    }

    @Test
    void unknownTopLevelKeyNamesLine() throws IOException {
        StudyException e = fails("modle: x\n" + FULL);
        assertTrue(e.getMessage().contains("study.yaml:1:") && e.getMessage().contains("unknown key 'modle' at the top level"),
                e.getMessage());
    }

    @Test
    void wrongTypeNamesLineAndKey() throws IOException {
        StudyException e = fails(FULL.replace("steps: 10", "steps: ten"));
        assertTrue(e.getMessage().contains("study.yaml:5:") && e.getMessage().contains("'sampler.steps'"), e.getMessage());
    }

    @Test
    void floatForIntegerIsAWrongType() throws IOException {
        StudyException e = fails(FULL.replace("k: 2", "k: 2.5"));
        assertTrue(e.getMessage().contains("study.yaml:") && e.getMessage().contains("analyses.cluster[0].k"), e.getMessage());
    }

    @Test
    void yamlBooleanWhereTextIsExpectedIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("values: [red, blue, green]", "values: [yes, no]"));
        assertTrue(e.getMessage().contains("study.yaml:") && e.getMessage().contains("families.color.values"), e.getMessage());
    }

    @Test
    void duplicateYamlKeyIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("  steps: 10\n", "  steps: 10\n  steps: 12\n"));
        assertTrue(e.getMessage().contains("study.yaml:") && e.getMessage().contains("steps"), e.getMessage());
    }

    @Test
    void emptyPromptSetIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("prompts: [\"a circle\", \"a cat\"]", "prompts: []"));
        assertTrue(e.getMessage().contains("prompt_sets[1] 'extra' is empty"), e.getMessage());
    }

    @Test
    void slotWithoutValuesIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("color: [red, blue]", "color: []"));
        assertTrue(e.getMessage().contains("prompt_sets[0].slots.color has no values"), e.getMessage());
    }

    @Test
    void valueListedTwiceIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("shape: [circle, square]", "shape: [circle, square, circle]"));
        assertTrue(e.getMessage().contains("lists 'circle' twice"), e.getMessage());
    }

    @Test
    void templateSlotWithoutValuesIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("\"a {shape}\"]", "\"a {shape} {size}\"]"));
        assertTrue(e.getMessage().contains("uses slot {size}"), e.getMessage());
    }

    @Test
    void seedListedTwiceIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("seeds: [0, 3, \"10-12\"]", "seeds: [0, 11, \"10-12\"]"));
        assertTrue(e.getMessage().contains("study.yaml:") && e.getMessage().contains("11 is listed twice"), e.getMessage());
    }

    @Test
    void backwardsSeedRangeIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("seeds: [0, 3, \"10-12\"]", "seeds: \"12-10\""));
        assertTrue(e.getMessage().contains("runs backwards"), e.getMessage());
    }

    @Test
    void seedStringListIsParsed() throws IOException {
        assertEquals(List.of(0L, 1L, 2L, 3L, 42L), Study.load(write(FULL.replace("seeds: [0, 3, \"10-12\"]", "seeds: \"0-3,42\""))).seeds());
    }

    @Test
    void missingModelIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("model: ../models/toy\n", ""));
        assertTrue(e.getMessage().contains("missing required key 'model'"), e.getMessage());
    }

    @Test
    void captureStepBeyondTheSamplerIsAnError() throws IOException {
        StudyException e = fails(FULL.replace("steps: [4, 9]", "steps: [4, 10]"));
        assertTrue(e.getMessage().contains("names step 10"), e.getMessage());
    }

    @Test
    void captureAllAndLastResolve() throws IOException {
        assertEquals(10, Study.load(write(FULL.replace("steps: [4, 9]", "steps: all"))).capture().steps().size());
        assertEquals(List.of(9), Study.load(write(FULL.replace("steps: [4, 9]", "steps: last"))).capture().steps());
    }

    @Test
    void unknownSchedulerListsValidNames() throws IOException {
        StudyException e = fails(FULL.replace("scheduler: ddim", "scheduler: pndm"));
        assertTrue(e.getMessage().contains("unknown scheduler 'pndm'; valid: model, ddim, euler, lcm"), e.getMessage());
    }

    @Test
    void clusterNamesUnknownSet() throws IOException {
        StudyException e = fails(FULL.replace("sets: [shapes]", "sets: [animals]"));
        assertTrue(e.getMessage().contains("prompt set 'animals'"), e.getMessage());
    }

    @Test
    void defaultsVariantMustUseTheFamilySlot() throws IOException {
        StudyException e = fails(FULL.replace("variant: \"a {color} {shape}\"", "variant: \"a {shape}\""));
        assertTrue(e.getMessage().contains("must contain {color}"), e.getMessage());
    }

    @Test
    void branchBothIsAccepted() throws IOException {
        assertEquals(Branch.BOTH, Study.load(write(FULL.replace("branch: cond", "branch: both"))).capture().branch());
    }
}
