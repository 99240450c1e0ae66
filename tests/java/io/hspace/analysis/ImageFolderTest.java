package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad and odd inputs of the conditioning image folder and its labels, each its own test. */
class ImageFolderTest {

    static Path png(Path dir, String name, int w, int h, int type, Color fill) throws IOException {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setColor(fill);
        g.fillRect(0, 0, w, h);
        g.dispose();
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @Test
    void nonImageFilesAreSkippedAndListed(@TempDir Path dir) throws IOException {
        png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        Files.writeString(dir.resolve("captions.jsonl"), "{}");
        ImageFolder f = ImageFolder.read(dir, 32, 32);
        assertEquals(List.of(dir.resolve("a.png")), f.files());
        assertEquals(List.of(dir.resolve("captions.jsonl"), dir.resolve("notes.txt")), f.skipped());
    }

    @Test
    void undecodableImageIsAnErrorNamingTheFile(@TempDir Path dir) throws IOException {
        png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Files.writeString(dir.resolve("broken.png"), "this is text, not a PNG");
        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir, 32, 32));
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
    }

    @Test
    void oddSizesAreResizedToTheModelSize(@TempDir Path dir) throws IOException {
        png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.BLUE);
        png(dir, "b.png", 50, 17, BufferedImage.TYPE_INT_RGB, Color.BLUE);
        png(dir, "c.png", 7, 9, BufferedImage.TYPE_INT_RGB, Color.BLUE);
        ImageFolder f = ImageFolder.read(dir, 32, 32);
        assertEquals(2, f.resized());
        assertArrayEquals(new long[] {3, 3, 32, 32}, f.pixels().shape());
        float[] d = f.pixels().data();
        int plane = 32 * 32;
        for (int n = 0; n < 3; n++) {  // a uniform blue image stays uniform blue whatever its size
            assertEquals(0f, d[n * 3 * plane + 100], 1e-6f);
            assertEquals(1f, d[n * 3 * plane + 2 * plane + 100], 1e-6f);
        }
    }

    @Test
    void grayscaleIsConvertedToRgb(@TempDir Path dir) throws IOException {
        png(dir, "g.png", 32, 32, BufferedImage.TYPE_BYTE_GRAY, new Color(128, 128, 128));
        ImageFolder f = ImageFolder.read(dir, 32, 32);
        float[] d = f.pixels().data();
        int plane = 32 * 32;
        assertEquals(3 * plane, d.length);
        for (int c = 0; c < 3; c++) {
            assertEquals(128 / 255f, d[c * plane + 5], 1.5f / 255f, "channel " + c);
        }
    }

    @Test
    void emptyFolderIsAnError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir, 32, 32));
        assertTrue(e.getMessage().contains("holds no image files"), e.getMessage());
    }

    @Test
    void folderOfOnlyNonImagesIsAnError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("readme.md"), "#");
        IOException e = assertThrows(IOException.class, () -> ImageFolder.read(dir, 32, 32));
        assertTrue(e.getMessage().contains("readme.md"), e.getMessage());
    }

    @Test
    void labelsMatchImagesByFile(@TempDir Path dir) throws IOException {
        Path img = Files.createDirectories(dir.resolve("images"));
        Path a = png(img, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path b = png(img, "b.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path labels = dir.resolve("labels.jsonl");
        Files.writeString(labels, "{\"file\":\"images/b.png\",\"attributes\":{\"color\":\"blue\"}}\n"
                + "{\"file\":\"images/a.png\",\"attributes\":{\"color\":\"red\",\"shape\":null}}\n");
        List<Map<String, String>> l = ImageLabels.read(labels, List.of(a, b));
        assertEquals("red", l.get(0).get("color"));
        assertEquals("blue", l.get(1).get("color"));
        assertEquals(null, l.get(0).get("shape"));
    }

    @Test
    void labelFileMissingAnImageIsAnError(@TempDir Path dir) throws IOException {
        Path a = png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path b = png(dir, "b.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path labels = dir.resolve("labels.jsonl");
        Files.writeString(labels, "{\"file\":\"a.png\",\"attributes\":{\"color\":\"red\"}}\n");
        IOException e = assertThrows(IOException.class, () -> ImageLabels.read(labels, List.of(a, b)));
        assertTrue(e.getMessage().contains("does not match") && e.getMessage().contains("b.png"), e.getMessage());
    }

    @Test
    void labelFileNamingAnotherImageIsAnError(@TempDir Path dir) throws IOException {
        Path a = png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path labels = dir.resolve("labels.jsonl");
        Files.writeString(labels, "{\"file\":\"a.png\",\"attributes\":{}}\n{\"file\":\"zzz.png\",\"attributes\":{}}\n");
        IOException e = assertThrows(IOException.class, () -> ImageLabels.read(labels, List.of(a)));
        assertTrue(e.getMessage().contains("zzz.png") && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void labelFileWithABadLineNamesTheLine(@TempDir Path dir) throws IOException {
        Path a = png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path labels = dir.resolve("labels.jsonl");
        Files.writeString(labels, "{\"file\":\"a.png\",\"attributes\":{}}\n[1, 2]\n");
        IOException e = assertThrows(IOException.class, () -> ImageLabels.read(labels, List.of(a)));
        assertTrue(e.getMessage().contains("labels.jsonl:2"), e.getMessage());
    }

    @Test
    void imageLabelledTwiceIsAnError(@TempDir Path dir) throws IOException {
        Path a = png(dir, "a.png", 32, 32, BufferedImage.TYPE_INT_RGB, Color.RED);
        Path labels = dir.resolve("labels.jsonl");
        Files.writeString(labels, "{\"file\":\"a.png\",\"attributes\":{}}\n{\"file\":\"./a.png\",\"attributes\":{}}\n");
        IOException e = assertThrows(IOException.class, () -> ImageLabels.read(labels, List.of(a)));
        assertTrue(e.getMessage().contains("labelled twice"), e.getMessage());
    }
}
