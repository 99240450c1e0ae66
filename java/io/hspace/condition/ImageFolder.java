package io.hspace.condition;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder of external images for image conditioning, checked before any engine work: every
 * regular file not starting with {@code .} must be a colour image (except the labels file named
 * by the caller), all of one size. Refused, each with a message naming the file: a file that is
 * not a decodable image, an image whose size differs from the first one's, and a grayscale image
 * (a colour direction would read it silently wrong; convert it to RGB first).
 */
public final class ImageFolder {
    private ImageFolder() {}

    /**
     * One image.
     *
     * @param file the file
     * @param image the decoded image
     */
    public record Entry(Path file, BufferedImage image) {}

    /**
     * Loads the folder's images in file-name order.
     *
     * @param ignore a file name to skip (e.g. {@code labels.jsonl}), or null
     * @throws IOException when the folder cannot be listed or an image is refused (see the class comment)
     */
    public static List<Entry> load(Path dir, String ignore) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().equals(ignore)).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException(dir + " holds no image");
        }
        List<Entry> out = new ArrayList<>();
        for (Path f : files) {
            BufferedImage img;
            try {
                img = ImageIO.read(f.toFile());
            } catch (IOException e) {
                throw new IOException(f + " is not an image that can be decoded: " + e.getMessage(), e);
            }
            if (img == null) {
                throw new IOException(f + " is not an image (PNG, JPEG, BMP or GIF); the folder must hold images only");
            }
            if (img.getColorModel().getNumColorComponents() < 3) {
                throw new IOException(f + " is grayscale; image conditioning reads colour images (convert it to RGB)");
            }
            if (!out.isEmpty()) {
                BufferedImage first = out.get(0).image();
                if (img.getWidth() != first.getWidth() || img.getHeight() != first.getHeight()) {
                    throw new IOException(f + " is " + img.getWidth() + "x" + img.getHeight() + " but " + out.get(0).file().getFileName()
                            + " is " + first.getWidth() + "x" + first.getHeight() + "; the images of a folder must share one size");
                }
            }
            out.add(new Entry(f, img));
        }
        return out;
    }
}
