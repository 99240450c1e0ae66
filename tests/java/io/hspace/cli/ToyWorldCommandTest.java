package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hspace.toyworld.Attribute;
import io.hspace.toyworld.CaptionGrammar;
import io.hspace.toyworld.Stated;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code toyworld render} writes images and consistent captions; {@code read} and {@code score} read them back. */
class ToyWorldCommandTest {

    @TempDir
    Path tmp;

    private static int run(String... args) {
        return new CommandLine(new ToyWorldCommand()).execute(args);
    }

    @Test
    void renderWritesImagesAndCaptionsThatAgreeWithTheTruth() throws Exception {
        Path out = tmp.resolve("r");
        assertEquals(0, run("render", "--n", "60", "--priors", "models/toy/priors.json", "--seed", "3", "--out", out.toString()));
        List<String> lines = Files.readAllLines(out.resolve("captions.jsonl"));
        assertEquals(60, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode l = json.readTree(lines.get(i));
            assertEquals(String.format("images/%06d.png", i), l.get("file").asText());
            assertTrue(Files.size(out.resolve(l.get("file").asText())) > 0);
            Stated stated = CaptionGrammar.parse(l.get("caption").asText());
            for (Attribute a : Attribute.values()) {
                boolean left = false;
                for (JsonNode n : l.get("left_out")) {
                    left |= n.asText().equals(a.word());
                }
                assertEquals(left, stated.get(a) == null, lines.get(i));
                if (!left) {
                    assertEquals(Attribute.wordOf(stated.get(a)), l.get("attributes").get(a.word()).asText(), lines.get(i));
                }
            }
        }
        Path readings = tmp.resolve("read.jsonl");
        assertEquals(0, run("read", out.resolve("images").toString(), "--out", readings.toString()));
        List<String> read = Files.readAllLines(readings);
        assertEquals(60, read.size());
        for (int i = 0; i < 60; i++) {
            assertEquals(json.readTree(lines.get(i)).get("attributes"), json.readTree(read.get(i)).get("attributes"));
        }
    }

    @Test
    void sameSeedRendersTheSameDataAndAnotherSeedDoesNot() throws Exception {
        for (String seed : new String[] {"5", "5", "6"}) {
            assertEquals(0, run("render", "--n", "20", "--priors", "models/toy/priors.json", "--seed", seed,
                    "--out", tmp.resolve("s" + seed + "-" + Files.list(tmp).count()).toString()));
        }
        List<Path> dirs = Files.list(tmp).sorted().toList();
        String a = Files.readString(dirs.get(0).resolve("captions.jsonl"));
        String b = Files.readString(dirs.get(1).resolve("captions.jsonl"));
        String c = Files.readString(dirs.get(2).resolve("captions.jsonl"));
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(-1, Files.mismatch(dirs.get(0).resolve("images/000007.png"), dirs.get(1).resolve("images/000007.png")));
    }

    @Test
    void renderRejectsABadPriorFile() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"size\": {\"given\": \"shape\", \"table\": {\"star\": {\"small\": 0.3}}}}");
        assertNotEquals(0, run("render", "--n", "5", "--priors", bad.toString(), "--out", tmp.resolve("x").toString()));
    }

    @Test
    void scoreOfRenderedImagesPassesTheAccuracyGate() throws Exception {
        Path out = tmp.resolve("r");
        assertEquals(0, run("render", "--n", "40", "--priors", "models/toy/priors.json", "--seed", "9", "--out", out.toString()));
        ObjectMapper json = new ObjectMapper();
        StringBuilder manifest = new StringBuilder();
        for (String l : Files.readAllLines(out.resolve("captions.jsonl"))) {
            JsonNode n = json.readTree(l);
            JsonNode at = n.get("attributes");
            String full = String.format("a %s %s %s on a %s background", at.get("size").asText(), at.get("color").asText(),
                    at.get("shape").asText(), at.get("background").asText());
            manifest.append(json.createObjectNode().put("file", n.get("file").asText()).put("prompt", full)).append('\n');
        }
        Files.writeString(out.resolve("prompts.jsonl"), manifest.toString());
        assertEquals(0, run("score", "--priors", "models/toy/priors.json", "--samples", out.toString()));
    }
}
