package io.hspace.caption;

import io.hspace.toyworld.Reader;
import io.hspace.toyworld.Reading;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The Toy World reader as a captioner: each image's caption is the full Toy World caption of
 * what the reader sees (e.g. {@code a small red circle on a white background}).
 */
public final class ToyWorldCaptioner implements Captioner {

    /** The name stored with the captions. */
    public static final String NAME = "toyworld-reader";

    private final Reader reader = new Reader();

    @Override
    public List<String> caption(List<Path> images) throws IOException {
        List<String> out = new ArrayList<>(images.size());
        for (Path p : images) {
            out.add(read(p).caption());
        }
        return out;
    }

    /**
     * The reader's full reading of one image file.
     *
     * @throws IOException when the file is missing or not an image OpenCV can decode
     */
    public Reading read(Path image) throws IOException {
        try (Mat img = opencv_imgcodecs.imread(image.toString(), opencv_imgcodecs.IMREAD_COLOR)) {
            if (img.empty()) {
                throw new IOException("could not read image " + image);
            }
            return reader.read(img);
        }
    }

    @Override
    public String name() {
        return NAME;
    }
}
