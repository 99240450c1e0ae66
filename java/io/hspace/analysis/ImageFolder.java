package io.hspace.analysis;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

import io.hspace.engine.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A folder of external images read with OpenCV for {@link ConditionAnalysis}.
 *
 * <p>Rules (docs/METHOD.md, "Conditioning"): files are taken in name order; a file whose
 * extension is not an image extension ({@link #EXTENSIONS}) is skipped and listed in
 * {@link #skipped} (a labels file or a README may sit next to the images); a file with an image
 * extension that OpenCV cannot decode is an error naming it. Grayscale (and 16-bit or alpha)
 * images are converted to 8-bit RGB by OpenCV's {@code IMREAD_COLOR}; every image is resized
 * to width x height (INTER_AREA when shrinking, bilinear when enlarging), whatever its size or
 * aspect ratio, and the number resized is counted.
 *
 * @param files the images read, in order
 * @param skipped files skipped for their extension
 * @param resized how many images had another size and were resized
 * @param pixels [N, 3, height, width] RGB in [0, 1]
 */
public record ImageFolder(List<Path> files, List<Path> skipped, int resized, FloatTensor pixels) {

    /** File extensions treated as images (lower case, without the dot). */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff", "ppm", "pgm");

    /**
     * Reads every image of {@code dir} (not recursive) at width x height.
     *
     * @throws IOException when the folder is missing, holds no image, or an image cannot be decoded
     */
    public static ImageFolder read(Path dir, int width, int height) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder of images");
        }
        List<Path> images = new ArrayList<>();
        List<Path> skipped = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                (isImageName(p) ? images : skipped).add(p);
            }
        }
        if (images.isEmpty()) {
            throw new IOException(dir + " holds no image files (extensions " + new java.util.TreeSet<>(EXTENSIONS) + ")"
                    + (skipped.isEmpty() ? "" : "; skipped " + skipped.size() + " other files, e.g. " + skipped.get(0).getFileName()));
        }
        return read(images, skipped, width, height);
    }

    /** Reads the given image files at width x height; every one must decode. */
    public static ImageFolder read(List<Path> images, List<Path> skipped, int width, int height) throws IOException {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        int plane = width * height;
        float[] data = new float[Math.multiplyExact(images.size(), 3 * plane)];
        int resized = 0;
        for (int n = 0; n < images.size(); n++) {
            Path p = images.get(n);
            try (Mat raw = opencv_imgcodecs.imread(p.toString(), opencv_imgcodecs.IMREAD_COLOR)) {
                if (raw.empty()) {
                    throw new IOException("could not decode image " + p + " (not an image OpenCV reads, or corrupt)");
                }
                Mat img = raw;
                if (raw.cols() != width || raw.rows() != height) {
                    resized++;
                    img = new Mat();
                    boolean shrink = raw.cols() > width || raw.rows() > height;
                    opencv_imgproc.resize(raw, img, new Size(width, height), 0, 0, shrink ? INTER_AREA : INTER_LINEAR);
                }
                try (UByteIndexer ix = img.createIndexer()) {
                    int base = n * 3 * plane;
                    for (int y = 0; y < height; y++) {
                        for (int x = 0; x < width; x++) {
                            // OpenCV is BGR; the engine takes RGB planes.
                            data[base + y * width + x] = ix.get(y, x, 2) / 255f;
                            data[base + plane + y * width + x] = ix.get(y, x, 1) / 255f;
                            data[base + 2 * plane + y * width + x] = ix.get(y, x, 0) / 255f;
                        }
                    }
                } finally {
                    if (img != raw) {
                        img.close();
                    }
                }
            }
        }
        return new ImageFolder(List.copyOf(images), List.copyOf(skipped), resized,
                new FloatTensor(new long[] {images.size(), 3, height, width}, data));
    }

    static boolean isImageName(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
