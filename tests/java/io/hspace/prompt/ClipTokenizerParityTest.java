package io.hspace.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every prompt of the golden corpus tokenizes to exactly the ids transformers' CLIPTokenizer gave. */
class ClipTokenizerParityTest {
  static final Path TOKENIZER = Path.of("models/toy/tokenizer");
  static final Path GOLDEN = Path.of("tests/golden/tokenizer");
  static final String REGENERATE =
      ".venv/bin/python tools/golden/clip_vocab.py && .venv/bin/python tools/golden/gen_tokenizer.py";

  record Case(String prompt, int[] ids, int[] sdxlIds) {}

  static List<Case> cases;

  @BeforeAll
  static void readCorpus() throws IOException {
    Path corpus = GOLDEN.resolve("prompts.jsonl");
    assertTrue(Files.exists(corpus) && Files.exists(TOKENIZER.resolve("vocab.json")),
        corpus + " or " + TOKENIZER + " missing; regenerate with: " + REGENERATE);
    ObjectMapper json = new ObjectMapper();
    cases = new ArrayList<>();
    for (String line : Files.readAllLines(corpus, StandardCharsets.UTF_8)) {
      JsonNode node = json.readTree(line);
      cases.add(new Case(node.get("prompt").asText(), ints(node.get("ids")), ints(node.get("sdxl_ids"))));
    }
  }

  /** The SDXL second-tokenizer variant: the toy vocabulary with the golden folder's configs. */
  static Path sdxlFolder(Path tmp) throws IOException {
    for (String name : new String[] {"vocab.json", "merges.txt"}) {
      Files.copy(TOKENIZER.resolve(name), tmp.resolve(name));
    }
    for (String name : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
      Files.copy(GOLDEN.resolve("sdxl_tokenizer_2").resolve(name), tmp.resolve(name));
    }
    return tmp;
  }

  @Test
  void corpusIsLargeAndCoversLongAndEmptyPrompts() {
    assertTrue(cases.size() >= 2500, "corpus has " + cases.size() + " prompts");
    assertTrue(cases.stream().anyMatch(c -> c.prompt().isEmpty()));
    assertTrue(cases.stream().anyMatch(c -> c.ids().length == 77), "no prompt reaches the truncation limit");
  }

  @Test
  void sd15TokenizerMatchesTransformersOnEveryPrompt() throws IOException {
    ClipTokenizer tokenizer = ClipTokenizer.load(TOKENIZER);
    assertMatches(tokenizer, false, true);
  }

  @Test
  void sdxlSecondTokenizerMatchesTransformersOnEveryPromptPadded(@TempDir Path tmp) throws IOException {
    ClipTokenizer tokenizer = ClipTokenizer.load(sdxlFolder(tmp));
    assertEquals(0, tokenizer.padId());
    assertMatches(tokenizer, true, false);
  }

  private static void assertMatches(ClipTokenizer tokenizer, boolean padded, boolean sd15) {
    List<String> mismatches = new ArrayList<>();
    for (Case c : cases) {
      int[] expected = sd15 ? c.ids() : c.sdxlIds();
      int[] actual = tokenizer.encode(c.prompt(), padded);
      if (!Arrays.equals(expected, actual)) {
        mismatches.add(String.format("%s%n    expected %s%n    actual   %s", json(c.prompt()),
            Arrays.toString(expected), Arrays.toString(actual)));
      }
    }
    if (!mismatches.isEmpty()) {
      fail(mismatches.size() + " of " + cases.size() + " prompts differ; first ones:\n"
          + String.join("\n", mismatches.subList(0, Math.min(20, mismatches.size()))));
    }
  }

  private static String json(String s) {
    try {
      return new ObjectMapper().writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).intValue();
    }
    return out;
  }
}
