package io.hspace.cli;

import io.hspace.prompt.ClipTokenizer;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code hspace tokenize}: prompts on stdin (UTF-8, one a line) to CLIP token ids on stdout, one
 * line of space-separated ids per prompt, identical to transformers' CLIPTokenizer.
 *
 * <p>Exit code 0 on success, 1 when the tokenizer folder cannot be loaded or stdin is not UTF-8
 * (the message names the line), 2 for bad options.
 */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    description = {
      "Tokenizes prompts read from stdin (UTF-8, one per line) with a CLIP BPE tokenizer folder and",
      "prints one line of space-separated token ids per prompt: <|startoftext|>, the tokens, <|endoftext|>.",
      "Prompts longer than the limit are truncated (a warning names the line); the end token is kept."
    },
    footer = {
      "",
      "Example:",
      "  echo 'a photo of a cat' | hspace tokenize --tokenizer models/toy/tokenizer",
      "  49406 320 1125 539 320 2368 49407"
    })
public final class TokenizeCommand implements Callable<Integer> {
  @Option(names = "--tokenizer", paramLabel = "DIR",
      description = "Tokenizer folder (vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json).")
  Path tokenizerDir = Path.of("models/toy/tokenizer");

  @Option(names = "--max-length", paramLabel = "N",
      description = "Truncate to N ids and pad to exactly N with the folder's pad token."
          + " Without it: truncate to the folder's model_max_length, no padding.")
  Integer maxLength;

  @Spec CommandSpec spec;

  private final InputStream in;

  /** Reads prompts from {@code System.in}. */
  public TokenizeCommand() {
    this(System.in);
  }

  /** Reads prompts from {@code in}; for tests and embedding. */
  public TokenizeCommand(InputStream in) {
    this.in = in;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (maxLength != null && maxLength < 2) {
      throw new ParameterException(spec.commandLine(),
          "--max-length must be >= 2 (room for <|startoftext|> and <|endoftext|>), got " + maxLength);
    }
    ClipTokenizer tokenizer;
    try {
      tokenizer = ClipTokenizer.load(tokenizerDir);
    } catch (IOException e) {
      err.println("tokenize: cannot load tokenizer: " + e.getMessage());
      return 1;
    }
    int length = maxLength != null ? maxLength : tokenizer.maxLength();
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream input = new BufferedInputStream(in)) {
      int lineNumber = 0;
      byte[] line;
      while ((line = readLine(input)) != null) {
        lineNumber++;
        String prompt;
        try {
          prompt = utf8.reset().decode(ByteBuffer.wrap(line)).toString();
        } catch (CharacterCodingException e) {
          out.flush();
          err.println("tokenize: stdin line " + lineNumber + " is not valid UTF-8 (" + e.getMessage() + ")");
          return 1;
        }
        ClipTokenizer.Encoding encoding = tokenizer.tokenize(prompt, length, maxLength != null);
        if (encoding.truncated()) {
          err.println("tokenize: warning: line " + lineNumber + " truncated to " + length + " ids, "
              + encoding.droppedTokens() + " tokens dropped");
        }
        out.println(Arrays.stream(encoding.ids()).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
      }
    } catch (IOException e) {
      err.println("tokenize: cannot read stdin: " + e.getMessage());
      return 1;
    }
    out.flush();
    return 0;
  }

  // One line without its "\n" (and a "\r" before it); null at end of input. A last line without "\n" counts.
  private static byte[] readLine(InputStream input) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = input.read()) != -1 && b != '\n') {
      line.write(b);
    }
    if (b == -1 && line.size() == 0) {
      return null;
    }
    byte[] bytes = line.toByteArray();
    if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
      return Arrays.copyOf(bytes, bytes.length - 1);
    }
    return bytes;
  }
}
