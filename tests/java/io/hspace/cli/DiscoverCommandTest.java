package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hspace discover} end to end on models/toy (2 steps, 8 seeds): images captioned by the
 * Toy World reader, captions stored in the atlas, words ranked, text prompts extracted; a rerun
 * captions nothing again. An external command captioner replaces the study's from the CLI.
 */
class DiscoverCommandTest {
    @TempDir
    Path tmp;

    Path study() throws Exception {
        Path f = tmp.resolve("study.yaml");
        Files.writeString(f, """
                model: %s
                sampler: {scheduler: model, steps: 2, guidance: 1.0, size: 32x32}
                seeds: "0-7"
                capture: {steps: last}
                images: true
                batch_size: 16
                analyses:
                  discover:
                    - name: d
                      prompt: "a circle"
                      text_template: "a {word} circle"
                      captioner: toyworld
                      min_count: 2
                      text_seeds: 1
                  statistics: {bootstrap: 20, permutations: 19}
                """.formatted(Path.of("models/toy").toAbsolutePath()));
        return f;
    }

    static List<Path> captionFiles(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out.resolve("atlas/captions"))) {
            return s.toList();
        }
    }

    @Test
    void captionsRankWordsAndResume() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, Main.commandLine().execute("discover", study().toString(), "--out", out.toString()));
        List<Path> files = captionFiles(out);
        assertEquals(1, files.size());
        List<String> lines = Files.readAllLines(files.get(0));
        assertEquals(8, lines.size(), "one caption per seed");
        JsonNode json = new ObjectMapper().readTree(out.resolve("discover.json").toFile());
        JsonNode cell = json.get("discover").get(0);
        assertEquals(8, cell.get("captions").size());
        for (JsonNode w : cell.get("ranked")) {
            assertTrue(w.get("with").asInt() >= 2 && w.get("without").asInt() >= 2, w.toString());
            assertTrue(w.get("p").asDouble() > 0 && w.get("p").asDouble() <= 1);
        }
        long modified = Files.getLastModifiedTime(files.get(0)).toMillis();
        assertEquals(0, Main.commandLine().execute("discover", study().toString(), "--out", out.toString()));
        assertEquals(lines, Files.readAllLines(files.get(0)), "the rerun captioned nothing again");
        assertEquals(modified, Files.getLastModifiedTime(files.get(0)).toMillis());
    }

    @Test
    void commandCaptionerFromTheCommandLine() throws Exception {
        Path out = tmp.resolve("out");
        // captions alternate between two words by line number: a stand-in for a user's model
        String cmd = "command:awk '{ print (NR % 2 ? \"a dotted thing\" : \"a plain thing\") }'";
        assertEquals(0, Main.commandLine().execute("discover", study().toString(), "--out", out.toString(), "--captioner", cmd));
        JsonNode cell = new ObjectMapper().readTree(out.resolve("discover.json").toFile()).get("discover").get(0);
        assertTrue(cell.get("captioner").asText().startsWith("command:awk"));
        List<String> words = cell.get("ranked").findValuesAsText("word");
        assertEquals(List.of("dotted", "plain"), words.stream().sorted().toList());
    }
}
