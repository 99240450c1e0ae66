package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.atlas.TaggedPrompt;
import io.hspace.prompt.ClipTokenizer;
import io.hspace.study.Study;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A study prompt longer than the tokenizer's limit is truncated, and 'hspace run' warns naming it (the warning it prints before extracting). */
class StudyPromptTruncationTest {

    @Test
    void promptLongerThanTheTokenizerLimitIsTruncatedWithAWarningNamingIt(@TempDir Path dir) throws Exception {
        String longPrompt = "a red circle" + " and a blue square".repeat(30);
        Files.writeString(dir.resolve("study.yaml"), String.join("\n",
                "model: " + Path.of("models/toy").toAbsolutePath(),
                "sampler: {scheduler: ddim, steps: 2, size: 32x32}",
                "seeds: [0]",
                "prompt_sets:",
                "  - name: s",
                "    prompts: [\"a red circle\", \"" + longPrompt + "\"]", ""));
        Study study = Study.load(dir.resolve("study.yaml"));
        ClipTokenizer tokenizer = ClipTokenizer.load(Path.of("models/toy/tokenizer"));
        List<String> texts = study.prompts().stream().map(TaggedPrompt::text).toList();

        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            PromptFiles.warnTruncated(tokenizer, texts);
        } finally {
            System.setErr(old);
        }
        String warnings = err.toString(StandardCharsets.UTF_8);
        assertTrue(warnings.contains("truncated to " + tokenizer.maxLength() + " tokens: " + longPrompt), warnings);
        assertFalse(warnings.contains("tokens: a red circle\n"), warnings);
        assertEquals(1, warnings.lines().count(), warnings);
        assertEquals(tokenizer.maxLength(), tokenizer.encode(longPrompt).length);
        assertTrue(tokenizer.wasTruncated(longPrompt));
    }
}
