package io.hspace.cli;

import io.hspace.prompt.ClipTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Prompt lists from the command line and from files. */
final class PromptFiles {
    private PromptFiles() {}

    /**
     * The --prompt values followed by the lines of --prompts (strict UTF-8, blank lines skipped),
     * without repeats; fails when the result is empty or a file line is not UTF-8.
     */
    static List<String> collect(List<String> prompts, Path file) throws IOException {
        LinkedHashSet<String> all = new LinkedHashSet<>(prompts);
        if (file != null) {
            byte[] bytes = Files.readAllBytes(file);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(file + " is not valid UTF-8 text (" + e.getMessage() + "); save it as UTF-8");
            }
            for (String line : text.split("\r?\n")) {
                if (!line.isBlank()) {
                    all.add(line.strip());
                }
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no prompts: give --prompt TEXT or --prompts FILE");
        }
        return new ArrayList<>(all);
    }

    /** Warns on stderr about every prompt the tokenizer cuts to its maximum length. */
    static void warnTruncated(ClipTokenizer tokenizer, List<String> prompts) {
        for (String p : prompts) {
            if (tokenizer.wasTruncated(p)) {
                System.err.println("warning: prompt truncated to " + tokenizer.maxLength() + " tokens: " + p);
            }
        }
    }
}
