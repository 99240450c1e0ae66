package io.hspace.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.analysis.DiscoverCell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The study key analyses.discover: cells, text templates, captioner specs, and its errors. */
class DiscoverStudyTest {
    @TempDir
    Path tmp;

    static final String STUDY = """
            model: ../models/toy
            sampler: {scheduler: ddim, steps: 4, size: 32x32}
            seeds: "0-9"
            images: true
            analyses:
              discover:
                - name: hidden
                  prompt: "a {shape}"
                  over: {shape: [circle, star]}
                  text_template: "a {word} {shape}"
                  captioner: toyworld
                  min_count: 2
                  text_seeds: 3
            """;

    Study load(String yaml) throws IOException {
        Path f = tmp.resolve("study.yaml");
        Files.writeString(f, yaml);
        return Study.load(f);
    }

    String fails(String yaml) {
        return assertThrows(StudyException.class, () -> load(yaml)).getMessage();
    }

    @Test
    void entryGivesOneCellPerCombinationWithItsTextTemplate() throws IOException {
        Study s = load(STUDY);
        assertEquals(1, s.discover().size());
        Study.Discover d = s.discover().get(0);
        assertEquals("toyworld", d.captioner().spec());
        assertEquals(List.of(new DiscoverCell("hidden", "a circle", "a {word} circle", 2, 3),
                new DiscoverCell("hidden", "a star", "a {word} star", 2, 3)), d.cells());
        assertEquals("a red star", d.cells().get(1).textPrompt("red"));
        assertEquals(List.of(0L, 1L, 2L), d.cells().get(0).textSeeds(s.seeds()));
        assertTrue(s.prompts().stream().anyMatch(p -> p.text().equals("a circle")), "discover prompts are extracted");
    }

    @Test
    void discoverWithoutImagesIsAnError() {
        assertTrue(fails(STUDY.replace("images: true\n", "")).contains("set images: true"));
    }

    @Test
    void textTemplateWithoutWordIsAnError() {
        assertTrue(fails(STUDY.replace("\"a {word} {shape}\"", "\"a {shape}\"")).contains("{word}"));
    }

    @Test
    void textTemplateWithUnknownSlotIsAnError() {
        assertTrue(fails(STUDY.replace("\"a {word} {shape}\"", "\"a {word} {size}\"")).contains("{size}"));
    }

    @Test
    void unknownCaptionerListsTheValidForms() {
        assertTrue(fails(STUDY.replace("captioner: toyworld", "captioner: blip")).contains("toyworld, clip:DIR, command:CMD"));
    }

    @Test
    void clipCaptionerWithoutWordsIsAnError() {
        assertTrue(fails(STUDY.replace("captioner: toyworld", "captioner: \"clip:models/clip\"")).contains("word list"));
    }

    @Test
    void wordsFileIsResolvedAgainstTheStudyFolder() throws IOException {
        Study s = load(STUDY.replace("captioner: toyworld", "captioner: \"clip:models/clip\"\n      words: words.txt"));
        assertEquals(tmp.resolve("words.txt"), s.discover().get(0).captioner().words());
    }
}
