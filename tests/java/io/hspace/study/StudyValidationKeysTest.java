package io.hspace.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.analysis.ConditionAnalysis;
import io.hspace.analysis.SteerAnalysis;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The study keys analyses.condition and analyses.steer. */
class StudyValidationKeysTest {
    @TempDir
    Path tmp;

    static final String STUDY = """
            model: ../models/toy
            sampler: {scheduler: model, steps: 10, size: 32x32}
            seeds: "0-3"
            prompt_sets:
              - name: p
                prompts: ["a circle"]
            analyses:
              condition:
                - name: rendered
                  images: render/images
                  labels: render/captions.jsonl
                  step: 8
                  mode: invert
                  families:
                    color: {template: "a {value} {shape}", values: [red, blue], over: {shape: [circle, square]}}
              steer:
                - name: blue
                  from: "a {shape}"
                  to: "a blue {shape}"
                  over: {shape: [circle]}
                  families: {color: [red, blue], shape: [circle, square]}
                  steered: color
                  target: blue
                  alphas: [1, 2]
                  steps: [0, 1, 2]
            """;

    private Path write(String yaml) throws IOException {
        Path f = tmp.resolve("study.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void loadsConditionAndSteerEntries() throws IOException {
        Study s = Study.load(write(STUDY));
        Study.Condition c = s.condition().get(0);
        assertEquals(tmp.resolve("render/images"), c.images());
        assertEquals(tmp.resolve("render/captions.jsonl"), c.labels());
        assertEquals(8, c.spec().step());
        assertEquals(ConditionMode.INVERT, c.spec().mode());
        assertEquals(Branch.UNCOND, c.spec().valueBranch());
        assertEquals(ConditionAnalysis.Score.DISCRIMINANT, c.spec().score());
        assertEquals(List.of(List.of("a red circle", "a red square"), List.of("a blue circle", "a blue square")),
                c.spec().families().get(0).prompts());
        Study.Steer st = s.steer().get(0);
        assertEquals(List.of(0.0, 1.0, 2.0), st.spec().alphas());
        assertEquals(List.of(0, 1, 2), st.spec().steps());
        assertEquals("toyworld", st.captioner().spec());
        assertEquals(List.of(0L, 1L, 2L, 3L), st.spec().seeds());
        assertEquals(Branch.COND, st.spec().branch());
    }

    @Test
    void steerBranchIsReadAndAnUnknownOneListsTheValidOnes() throws IOException {
        Study s = Study.load(write(STUDY.replace("      steps: [0, 1, 2]\n", "      steps: [0, 1, 2]\n      branch: both\n")));
        assertEquals(Branch.BOTH, s.steer().get(0).spec().branch());
        Path f = write(STUDY.replace("      steps: [0, 1, 2]\n", "      steps: [0, 1, 2]\n      branch: neither\n"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Study.load(f));
        assertTrue(e.getMessage().contains("neither") && e.getMessage().contains("cond, uncond, both"), e.getMessage());
    }

    @Test
    void steerDirectionIsReadAndAnUnknownOneListsTheValidOnes() throws IOException {
        assertEquals(SteerAnalysis.Direction.PAIR, Study.load(write(STUDY)).steer().get(0).spec().direction());
        Study s = Study.load(write(STUDY.replace("      steps: [0, 1, 2]\n", "      steps: [0, 1, 2]\n      direction: mean\n")));
        assertEquals(SteerAnalysis.Direction.MEAN, s.steer().get(0).spec().direction());
        Path f = write(STUDY.replace("      steps: [0, 1, 2]\n", "      steps: [0, 1, 2]\n      direction: median\n"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Study.load(f));
        assertTrue(e.getMessage().contains("median") && e.getMessage().contains("pair, mean"), e.getMessage());
    }

    /** YAML's .nan never reaches the analysis: the loader names the line and column. */
    @Test
    void steerAlphaNaNInAStudyIsAnError() throws IOException {
        Path f = write(STUDY.replace("alphas: [1, 2]", "alphas: [1, .nan]"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Study.load(f));
        assertTrue(e.getMessage().contains("study.yaml:24:") && e.getMessage().contains(".nan"), e.getMessage());
    }

    @Test
    void conditionNoiseDrawsAndPromptSeedsAreReadWithTheirDefaults() throws IOException {
        Study.Condition plain = Study.load(write(STUDY)).condition().get(0);
        assertEquals(1, plain.spec().noiseDraws());
        assertEquals(List.of(0L, 1L, 2L, 3L), plain.spec().promptSeeds(), "the study's seeds");
        Study.Condition set = Study.load(write(STUDY.replace("      mode: invert\n",
                "      mode: noise\n      noise_draws: 6\n      prompt_seeds: \"10-12\"\n"))).condition().get(0);
        assertEquals(6, set.spec().noiseDraws());
        assertEquals(List.of(10L, 11L, 12L), set.spec().promptSeeds());
    }

    @Test
    void conditionNoiseDrawsWithInversionInAStudyIsAnError() throws IOException {
        Path f = write(STUDY.replace("      mode: invert\n", "      mode: invert\n      noise_draws: 3\n"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Study.load(f));
        assertTrue(e.getMessage().contains("noise_draws 3 with mode invert"), e.getMessage());
    }

    @Test
    void conditionScoreIsReadAndAnUnknownOneListsTheValidOnes() throws IOException {
        Study s = Study.load(write(STUDY.replace("      mode: invert\n", "      mode: invert\n      score: cosine\n")));
        assertEquals(ConditionAnalysis.Score.COSINE, s.condition().get(0).spec().score());
        Path f = write(STUDY.replace("      mode: invert\n", "      mode: invert\n      score: euclid\n"));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Study.load(f));
        assertTrue(e.getMessage().contains("euclid") && e.getMessage().contains("discriminant, cosine"), e.getMessage());
    }

    @Test
    void conditionWithoutImagesIsAnError() throws IOException {
        Path f = write(STUDY.replace("      images: render/images\n", ""));
        RuntimeException e = assertThrows(RuntimeException.class, () -> Study.load(f));
        assertTrue(e.getMessage().contains("analyses.condition[0].images"), e.getMessage());
    }
}
