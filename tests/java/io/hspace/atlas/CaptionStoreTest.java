package io.hspace.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Captions in the atlas: append, reopen, resume, torn lines, one file per captioner. */
class CaptionStoreTest {
    @TempDir
    Path dir;

    static final ItemKey A = new ItemKey(0, 1);
    static final ItemKey B = new ItemKey(0, 2);
    static final ItemKey C = new ItemKey(1, 1);

    @Test
    void captionsSurviveReopeningAndOnlyMissingItemsRemain() {
        CaptionStore s = CaptionStore.open(dir, "command:blip \"large\"", FileOps.DURABLE);
        assertEquals(List.of(A, B, C), s.missing(List.of(A, B, C)));
        s.append(List.of(A, B), List.of("a red circle", "a blue square"));
        CaptionStore again = CaptionStore.open(dir, "command:blip \"large\"", FileOps.DURABLE);
        assertEquals("a red circle", again.get(A));
        assertEquals("a blue square", again.get(B));
        assertEquals(List.of(C), again.missing(List.of(A, B, C)));
    }

    @Test
    void anItemCaptionedTwiceKeepsItsFirstCaption() {
        CaptionStore s = CaptionStore.open(dir, "toyworld-reader", FileOps.DURABLE);
        s.append(List.of(A), List.of("first"));
        s.append(List.of(A), List.of("second"));
        assertEquals("first", CaptionStore.open(dir, "toyworld-reader", FileOps.DURABLE).get(A));
    }

    @Test
    void tornLastLineIsDroppedAndItsItemCaptionedAgain() throws IOException {
        CaptionStore s = CaptionStore.open(dir, "toyworld-reader", FileOps.DURABLE);
        s.append(List.of(A), List.of("a red circle"));
        Files.writeString(s.file(), "{\"prompt_id\":0,\"seed\":2,\"capt", StandardOpenOption.APPEND);
        CaptionStore again = CaptionStore.open(dir, "toyworld-reader", FileOps.DURABLE);
        assertEquals(List.of(B), again.missing(List.of(A, B)));
        again.append(List.of(B), List.of("a blue square"));
        List<String> lines = Files.readAllLines(s.file(), StandardCharsets.UTF_8);
        assertEquals(2, lines.size(), "the torn line is gone and the file stays one object per line");
        assertEquals("a blue square", CaptionStore.open(dir, "toyworld-reader", FileOps.DURABLE).get(B));
    }

    @Test
    void distinctCaptionersGetDistinctFiles() {
        String a = CaptionStore.fileName("command:x/y");
        String b = CaptionStore.fileName("command:x_y");
        assertNotEquals(a, b);
        assertTrue(a.matches("[A-Za-z0-9._-]+\\.jsonl"), a);
    }

    @Test
    void linesOfAnotherCaptionerAreAnError() throws IOException {
        CaptionStore s = CaptionStore.open(dir, "toyworld-reader", FileOps.DURABLE);
        s.append(List.of(A), List.of("x"));
        Path other = dir.resolve("captions").resolve(CaptionStore.fileName("other"));
        Files.copy(s.file(), other);
        AtlasException e = assertThrows(AtlasException.class, () -> CaptionStore.open(dir, "other", FileOps.DURABLE));
        assertTrue(e.getMessage().contains("not 'other'"), e.getMessage());
    }
}
