package io.hspace.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The external-command captioner and the captioner spec: each failure its own test. */
class CommandCaptionerTest {
    @TempDir
    Path dir;

    List<Path> images(int n) throws IOException {
        List<Path> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve("img" + i + ".png");
            Files.write(p, new byte[] {1});
            out.add(p);
        }
        return out;
    }

    static CommandCaptioner command(String cmd) {
        return new CommandCaptioner(cmd, Duration.ofSeconds(20));
    }

    @Test
    void oneCaptionPerPathInOrder() throws IOException {
        List<Path> imgs = images(3);
        // the caption is the file name the command read: proves order and the stdin protocol
        List<String> caps = command("while read p; do echo \"seen $(basename \"$p\")\"; done").caption(imgs);
        assertEquals(List.of("seen img0.png", "seen img1.png", "seen img2.png"), caps);
    }

    @Test
    void crlfLineEndsAreAccepted() throws IOException {
        assertEquals(List.of("a", "b"), command("cat >/dev/null; printf 'a\\r\\nb\\r\\n'").caption(images(2)));
    }

    @Test
    void failingCommandReportsExitCodeAndStderr() throws IOException {
        CaptionException e = assertThrows(CaptionException.class,
                () -> command("cat >/dev/null; echo 'model weights missing' >&2; exit 3").caption(images(2)));
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("model weights missing"), e.getMessage());
    }

    @Test
    void hangingCommandTimesOutAndIsKilled() throws Exception {
        Path pidFile = dir.resolve("pid");
        CommandCaptioner c = new CommandCaptioner("echo $$ > " + pidFile + "; exec sleep 60", Duration.ofMillis(700));
        long start = System.nanoTime();
        CaptionException e = assertThrows(CaptionException.class, () -> c.caption(images(1)));
        assertTrue((System.nanoTime() - start) / 1e9 < 10, "returned promptly after the timeout");
        assertTrue(e.getMessage().contains("did not finish within 700 ms"), e.getMessage());
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        Thread.sleep(200);
        assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "the command's process was killed");
    }

    @Test
    void tooFewLinesNamesExpectedAndGot() throws IOException {
        CaptionException e = assertThrows(CaptionException.class,
                () -> command("head -n 1 | sed 's/^/cap /'").caption(images(3)));
        assertTrue(e.getMessage().contains("expected 3, got 1"), e.getMessage());
    }

    @Test
    void tooManyLinesFails() throws IOException {
        CaptionException e = assertThrows(CaptionException.class,
                () -> command("cat >/dev/null; printf 'a\\nb\\nc\\n'").caption(images(2)));
        assertTrue(e.getMessage().contains("expected 2, got 3"), e.getMessage());
    }

    @Test
    void nonUtf8OutputFails() throws IOException {
        CaptionException e = assertThrows(CaptionException.class,
                () -> command("cat >/dev/null; printf 'caf\\351\\n'").caption(images(1)));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void missingImageFailsBeforeRunningTheCommand() {
        IOException e = assertThrows(IOException.class, () -> command("cat").caption(List.of(dir.resolve("none.png"))));
        assertTrue(e.getMessage().contains("none.png"), e.getMessage());
    }

    @Test
    void specBuildsEachKind() throws IOException {
        try (Captioner c = Captioners.open(new Captioners.Spec("toyworld", null, null), null)) {
            assertEquals(ToyWorldCaptioner.NAME, c.name());
        }
        try (Captioner c = Captioners.open(new Captioners.Spec("command:cat", null, Duration.ofSeconds(5)), null)) {
            assertEquals("command:cat", c.name());
        }
    }

    @Test
    void unknownSpecListsTheValidForms() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Captioners.Spec("blip", null, null));
        assertTrue(e.getMessage().contains("toyworld, clip:DIR, command:CMD"), e.getMessage());
    }

    @Test
    void clipSpecNeedsAWordList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Captioners.Spec("clip:dir", null, null));
        assertTrue(e.getMessage().contains("word list"), e.getMessage());
    }

    @Test
    void clipSpecWithDuplicateWordsNamesTheLines() throws IOException {
        Path words = dir.resolve("words.txt");
        Files.writeString(words, "red\nblue\nred\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Captioners.open(new Captioners.Spec("clip:" + dir, words, null), null));
        assertTrue(e.getMessage().contains("line 3 repeats 'red' of line 1"), e.getMessage());
    }

    @Test
    void clipSpecWithEmptyLineIsAnError() throws IOException {
        Path words = dir.resolve("words.txt");
        Files.writeString(words, "red\n\nblue\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Captioners.open(new Captioners.Spec("clip:" + dir, words, null), null));
        assertTrue(e.getMessage().contains("line 2 is empty"), e.getMessage());
    }
}
