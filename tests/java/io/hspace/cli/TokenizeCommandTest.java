package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hspace tokenize} end to end through picocli, stdin to stdout. */
class TokenizeCommandTest {
  static final String TOKENIZER = "models/toy/tokenizer";

  record Run(int exitCode, List<String> out, String err) {}

  static Run run(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new TokenizeCommand(new ByteArrayInputStream(stdin)));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    String text = out.toString();
    return new Run(code, text.isEmpty() ? List.of() : Arrays.asList(text.split("\\R")), err.toString());
  }

  static Run run(String stdin, String... args) {
    return run(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  @Test
  void printsOneLineOfIdsPerPrompt() {
    Run r = run("a photo of a cat\n\nA PHOTO OF A CAT", "--tokenizer", TOKENIZER);
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of("49406 320 1125 539 320 2368 49407", "49406 49407", "49406 320 1125 539 320 2368 49407"),
        r.out());
  }

  @Test
  void crlfLineEndingsAreAccepted() {
    Run r = run("a photo of a cat\r\ncat\r\n", "--tokenizer", TOKENIZER);
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(2, r.out().size());
    assertEquals("49406 320 1125 539 320 2368 49407", r.out().get(0));
  }

  @Test
  void maxLengthPadsToExactlyN() {
    Run r = run("a photo of a cat\n", "--tokenizer", TOKENIZER, "--max-length", "10");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("49406 320 1125 539 320 2368 49407 49407 49407 49407", r.out().get(0));
  }

  @Test
  void maxLengthTruncatesKeepingEosAndWarns() {
    Run r = run("a photo of a cat\n", "--tokenizer", TOKENIZER, "--max-length", "4");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("49406 320 1125 49407", r.out().get(0));
    assertTrue(r.err().contains("line 1") && r.err().contains("truncated"), r.err());
  }

  @Test
  void longPromptIsTruncatedToModelMaxLengthWithWarning() {
    Run r = run("cat ".repeat(100) + "\n", "--tokenizer", TOKENIZER);
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(77, r.out().get(0).split(" ").length);
    assertTrue(r.err().contains("truncated"), r.err());
  }

  @Test
  void nonUtf8InputFailsNamingTheLine() {
    byte[] stdin = {'o', 'k', '\n', 'b', 'a', 'd', (byte) 0xFF, (byte) 0xFE, '\n', 'x', '\n'};
    Run r = run(stdin, "--tokenizer", TOKENIZER);
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("line 2") && r.err().contains("UTF-8"), r.err());
    assertEquals(1, r.out().size(), "lines before the bad one are still printed");
  }

  @Test
  void maxLengthBelowTwoIsAUsageError() {
    Run r = run("cat\n", "--tokenizer", TOKENIZER, "--max-length", "1");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--max-length"), r.err());
  }

  @Test
  void missingTokenizerFolderFailsWithItsPath(@TempDir Path tmp) {
    Path missing = tmp.resolve("absent");
    Run r = run("cat\n", "--tokenizer", missing.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains(missing.toString()), r.err());
  }

  @Test
  void helpShowsDefaultsAndAnExample() {
    Run r = run("", "--help");
    String help = String.join("\n", r.out());
    assertEquals(0, r.exitCode());
    assertTrue(help.contains("Example") && help.contains("--max-length") && help.contains("Default: models/toy/tokenizer"),
        help);
  }
}
