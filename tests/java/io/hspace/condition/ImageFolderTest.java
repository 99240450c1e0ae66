package io.hspace.condition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad image folders for conditioning, each refused with a message naming the file. */
class ImageFolderTest {
    @TempDir
    Path dir;

    void png(String name, int w, int h, int type) throws IOException {
        BufferedImage img = new BufferedImage(w, h, type);
        img.setRGB(0, 0, 0xff0000);
        ImageIO.write(img, "png", dir.resolve(name).toFile());
    }

    @Test
    void colourImagesOfOneSizeLoadInNameOrder() throws IOException {
        png("b.png", 32, 32, BufferedImage.TYPE_INT_RGB);
        png("a.png", 32, 32, BufferedImage.TYPE_INT_RGB);
        Files.writeString(dir.resolve("labels.jsonl"), "{}\n");
        List<ImageFolder.Entry> e = ImageFolder.load(dir, "labels.jsonl");
        assertEquals(List.of("a.png", "b.png"), e.stream().map(x -> x.file().getFileName().toString()).toList());
    }

    @Test
    void nonImageFileIsRefused() throws IOException {
        png("a.png", 32, 32, BufferedImage.TYPE_INT_RGB);
        Files.writeString(dir.resolve("notes.txt"), "hello");
        IOException e = assertThrows(IOException.class, () -> ImageFolder.load(dir, null));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("not an image"), e.getMessage());
    }

    @Test
    void oddSizeIsRefusedNamingBothSizes() throws IOException {
        png("a.png", 32, 32, BufferedImage.TYPE_INT_RGB);
        png("b.png", 31, 17, BufferedImage.TYPE_INT_RGB);
        IOException e = assertThrows(IOException.class, () -> ImageFolder.load(dir, null));
        assertTrue(e.getMessage().contains("b.png is 31x17 but a.png is 32x32"), e.getMessage());
    }

    @Test
    void grayscaleIsRefused() throws IOException {
        png("a.png", 32, 32, BufferedImage.TYPE_BYTE_GRAY);
        IOException e = assertThrows(IOException.class, () -> ImageFolder.load(dir, null));
        assertTrue(e.getMessage().contains("a.png is grayscale"), e.getMessage());
    }

    @Test
    void emptyFolderIsRefused() {
        IOException e = assertThrows(IOException.class, () -> ImageFolder.load(dir, null));
        assertTrue(e.getMessage().contains("holds no image"), e.getMessage());
    }
}
