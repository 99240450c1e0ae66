package io.hspace.prompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour of the CLIP tokenizer beyond the parity corpus: API contracts and bad folders. */
class ClipTokenizerTest {
  static final Path TOKENIZER = ClipTokenizerParityTest.TOKENIZER;
  static final int BOS = 49406;
  static final int EOS = 49407;
  static ClipTokenizer sd15;

  @BeforeAll
  static void load() throws IOException {
    sd15 = ClipTokenizer.load(TOKENIZER);
  }

  /** A writable copy of the toy tokenizer folder. */
  static Path copy(Path tmp) throws IOException {
    for (String name : new String[] {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
      Files.copy(TOKENIZER.resolve(name), tmp.resolve(name));
    }
    return tmp;
  }

  @Test
  void folderSettingsAreRead() {
    assertEquals(77, sd15.maxLength());
    assertEquals(EOS, sd15.padId());
    assertEquals(BOS, sd15.bosId());
    assertEquals(EOS, sd15.eosId());
  }

  @Test
  void emptyPromptIsBosEos() {
    assertArrayEquals(new int[] {BOS, EOS}, sd15.encode(""));
  }

  @Test
  void whitespaceAndControlOnlyPromptIsBosEos() {
    assertArrayEquals(new int[] {BOS, EOS}, sd15.encode(" \t\n\u0000\u200b\u3000 "));
  }

  @Test
  void knownStableDiffusionIds() {
    assertArrayEquals(new int[] {BOS, 320, 1125, 539, 320, 2368, EOS}, sd15.encode("a photo of a cat"));
  }

  @Test
  void caseAndSurroundingWhitespaceDoNotChangeIds() {
    assertArrayEquals(sd15.encode("a photo of a cat"), sd15.encode("  A PHOTO\tof a Cat \n"));
  }

  @Test
  void paddingFillsToMaxLengthWithPadId() {
    int[] ids = sd15.encode("a photo of a cat", true);
    assertEquals(77, ids.length);
    assertArrayEquals(sd15.encode("a photo of a cat"), Arrays.copyOf(ids, 7));
    assertTrue(Arrays.stream(ids, 7, 77).allMatch(id -> id == sd15.padId()));
  }

  @Test
  void truncationKeepsLeadingTokensAndEndsWithEos() {
    String prompt = "a red cat ".repeat(40);
    int[] tokens = sd15.tokenIds(prompt);
    assertTrue(tokens.length > 75);
    int[] ids = sd15.encode(prompt);
    assertEquals(77, ids.length);
    assertEquals(BOS, ids[0]);
    assertEquals(EOS, ids[76]);
    assertArrayEquals(Arrays.copyOf(tokens, 75), Arrays.copyOfRange(ids, 1, 76));
    assertTrue(sd15.wasTruncated(prompt));
    assertEquals(tokens.length - 75, sd15.tokenize(prompt, 77, false).droppedTokens());
  }

  @Test
  void promptOfExactly75TokensIsNotTruncated() {
    String prompt = "cat ".repeat(75);
    assertEquals(77, sd15.encode(prompt).length);
    assertFalse(sd15.wasTruncated(prompt));
    assertTrue(sd15.wasTruncated(prompt + "cat"));
  }

  @Test
  void explicitLengthTruncatesAndPads() {
    assertEquals(5, sd15.encode("a photo of a cat", 5, false).length);
    assertEquals(EOS, sd15.encode("a photo of a cat", 5, false)[4]);
    assertEquals(12, sd15.encode("a photo of a cat", 12, true).length);
  }

  @Test
  void lengthBelowTwoIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> sd15.encode("cat", 1, false));
  }

  @Test
  void specialTokenTextMapsToItsId() {
    assertArrayEquals(new int[] {BOS, 320, EOS, 321, EOS}, sd15.encode("a<|endoftext|>b"));
  }

  @Test
  void sdxlSecondTokenizerPadsWithExclamationAndTreatsItAsSpecial(@TempDir Path tmp) throws IOException {
    ClipTokenizer sdxl = ClipTokenizer.load(ClipTokenizerParityTest.sdxlFolder(tmp));
    assertEquals(0, sdxl.padId());
    assertEquals(0, sdxl.encode("hi", true)[76]);
    // transformers adds the pad token "!" to its special-token trie, so a literal "!" becomes id 0
    // instead of the BPE token "!</w>" (256) the SD 1.5 tokenizer gives.
    assertEquals(0, sdxl.encode("hello!")[2]);
    assertEquals(256, sd15.encode("hello!")[2]);
  }

  @Test
  void missingFolderIsReported(@TempDir Path tmp) {
    Path missing = tmp.resolve("nope");
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void missingMergesFileIsNamed(@TempDir Path tmp) throws IOException {
    Files.delete(copy(tmp).resolve("merges.txt"));
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("merges.txt"), e.getMessage());
  }

  @Test
  void malformedVocabJsonIsNamed(@TempDir Path tmp) throws IOException {
    Files.writeString(copy(tmp).resolve("vocab.json"), "{\"a\": 1,", StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("vocab.json") && e.getMessage().contains("malformed"), e.getMessage());
  }

  @Test
  void nonIntegerVocabIdIsNamed(@TempDir Path tmp) throws IOException {
    Files.writeString(copy(tmp).resolve("vocab.json"), "{\"a\": \"one\"}", StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("vocab.json") && e.getMessage().contains("'a'"), e.getMessage());
  }

  @Test
  void malformedMergeLineIsNamed(@TempDir Path tmp) throws IOException {
    Files.writeString(copy(tmp).resolve("merges.txt"), "#version: 0.2\ni n\nt h e\n", StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("merges.txt") && e.getMessage().contains("line 3"), e.getMessage());
  }

  @Test
  void missingModelMaxLengthIsNamed(@TempDir Path tmp) throws IOException {
    Files.writeString(copy(tmp).resolve("tokenizer_config.json"), "{\"pad_token\": \"!\"}", StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("model_max_length"),
        e.getMessage());
  }

  @Test
  void specialTokenOutsideVocabularyIsNamed(@TempDir Path tmp) throws IOException {
    Files.writeString(copy(tmp).resolve("special_tokens_map.json"), "{\"pad_token\": \"<|pad|>\"}",
        StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tmp));
    assertTrue(e.getMessage().contains("<|pad|>"), e.getMessage());
  }
}
