package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void aResumedRunEndsAtTheTotalOfWhatWasLeft() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "extract", 10);
        // 10 items asked for, 6 already in the atlas: the run reports 4 to do
        bar.update(4, 4);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("4/4"), out);
        assertTrue(out.endsWith(")" + System.lineSeparator()), "the finished bar ends its line: " + out);
    }
}
