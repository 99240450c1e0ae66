package io.hspace.toyworld;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_NONE;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_CCOMP;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;

import java.util.EnumMap;
import java.util.Map;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Moments;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Reads the four attributes back from a Toy World image (DESIGN.md): the background from the
 * border pixels, the object as the pixels far from the background, its shape from the
 * contour (ring: a contour with a hole, found through the contour hierarchy), its color from
 * the hue, its size from the area. Shapes are classified by the nearest of prototypes measured
 * on the {@link Renderer}'s own unjittered drawings, so reader and renderer share one geometry;
 * the drawings are measured sharp and blurred, because generated images are softer than renders,
 * and the features include the radial extent's 3-, 4- and 5-fold harmonics, which keep a
 * blurred small star apart from a triangle after its notches have filled in.
 */
public final class Reader {

    /** The object mask is upsampled this many times before contours are traced. */
    private static final int UPSAMPLE = 8;
    /** Below this largest difference from the background (0-255) no object is present. */
    private static final double MIN_CONTRAST = 40;
    /** Object pixels are those differing from the background by more than this share of the largest difference. */
    private static final double MASK_LEVEL = 0.5;
    /** Pixels this share of the largest difference and above count for the hue. */
    private static final double CORE_LEVEL = 0.75;
    /** A gap between the contour and its hull deeper than this share of the enclosing radius counts as a notch. */
    private static final double NOTCH_DEPTH = 0.2;

    /** Rays cast from the centroid to measure the radial extent. */
    private static final int RAYS = 180;
    /** Scales the radial harmonics (0.15 at most for Toy World outlines) to the other features' range. */
    private static final double HARMONIC_WEIGHT = 4;

    /** Gaussian blurs (sigma in pixels; 0: none) the prototype drawings are measured under. */
    private static final double[] PROTOTYPE_BLURS = {0, 0.5, 0.8, 1.1};

    private final Map<Shape, double[][]> prototypes = new EnumMap<>(Shape.class);

    /** Measures the shape prototypes on the renderer's unjittered drawings, sharp and blurred. */
    public Reader() {
        Renderer renderer = new Renderer();
        for (Shape s : Shape.values()) {
            double[][] features = new double[Size.values().length * PROTOTYPE_BLURS.length][];
            int k = 0;
            for (Size z : Size.values()) {
                try (Mat img = renderer.renderExact(new Attributes(s, Color.RED, z, Background.GRAY))) {
                    for (double sigma : PROTOTYPE_BLURS) {
                        try (Mat b = blurred(img, sigma)) {
                            features[k++] = measure(b).features;
                        }
                    }
                }
            }
            prototypes.put(s, features);
        }
    }

    /** A blurred copy of {@code img} (a plain copy for sigma 0), for the caller to close. */
    static Mat blurred(Mat img, double sigma) {
        if (!(sigma >= 0)) {
            throw new IllegalArgumentException("blur sigma must be >= 0, got " + sigma);
        }
        if (sigma == 0) {
            return img.clone();
        }
        Mat out = new Mat();
        try (org.bytedeco.opencv.opencv_core.Size auto = new org.bytedeco.opencv.opencv_core.Size(0, 0)) {
            opencv_imgproc.GaussianBlur(img, out, auto, sigma);
        }
        return out;
    }

    /**
     * Reads an 8-bit BGR image (any size; it is resampled to 32x32 first).
     *
     * @throws IllegalArgumentException when the image is not 8-bit, 3-channel
     */
    public Reading read(Mat bgr) {
        if (bgr.type() != CV_8UC3) {
            throw new IllegalArgumentException("reader needs an 8-bit 3-channel BGR image, got OpenCV type "
                    + bgr.type());
        }
        Measurement m = measure(bgr);
        Stated s = Stated.NOTHING.with(Attribute.BACKGROUND, m.background);
        if (m.features != null) {
            Shape shape = nearestShape(m.features);
            double radius = Math.sqrt(m.area / Renderer.unitArea(shape));
            double split = Math.sqrt(Renderer.SMALL_RADIUS * Renderer.LARGE_RADIUS);
            s = s.with(Attribute.SHAPE, shape)
                    .with(Attribute.SIZE, radius < split ? Size.SMALL : Size.LARGE)
                    .with(Attribute.COLOR, nearestColor(m.hueDegrees));
        }
        return new Reading(s, CaptionGrammar.caption(s));
    }

    private Shape nearestShape(double[] f) {
        Shape best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (Map.Entry<Shape, double[][]> e : prototypes.entrySet()) {
            for (double[] p : e.getValue()) {
                double d = 0;
                for (int i = 0; i < f.length; i++) {
                    d += (f[i] - p[i]) * (f[i] - p[i]);
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = e.getKey();
                }
            }
        }
        return best;
    }

    private static Color nearestColor(double hue) {
        Color best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (Color c : Color.values()) {
            double d = Math.abs(hue - Renderer.hueDegrees(c)) % 360;
            d = Math.min(d, 360 - d);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    /**
     * The shape features of the object in an 8-bit BGR image, null when none stands out; the
     * last three are the weighted 3-, 4- and 5-fold radial harmonics. For tests of what the
     * features hold.
     */
    static double[] features(Mat bgr) {
        return measure(bgr).features;
    }

    /** What one image measures; {@code features} is null when no object stands out. */
    private record Measurement(Background background, double[] features, double area, double hueDegrees) {}

    private static Measurement measure(Mat input) {
        int n = Renderer.SIDE;
        Mat img = input;
        if (input.rows() != n || input.cols() != n) {
            img = new Mat();
            try (org.bytedeco.opencv.opencv_core.Size s = new org.bytedeco.opencv.opencv_core.Size(n, n)) {
                opencv_imgproc.resize(input, img, s, 0, 0, INTER_AREA);
            }
        }
        byte[] px = new byte[n * n * 3];
        if (img.isContinuous()) {
            img.data().get(px);
        } else {
            try (Mat copy = img.clone()) {
                copy.data().get(px);
            }
        }
        if (img != input) {
            img.close();
        }
        // Background: per-channel median of the outermost ring of pixels.
        int ring = 4 * (n - 1);
        int[][] border = new int[3][ring];
        int k = 0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                if (y == 0 || x == 0 || y == n - 1 || x == n - 1) {
                    for (int c = 0; c < 3; c++) {
                        border[c][k] = px[3 * (y * n + x) + c] & 0xff;
                    }
                    k++;
                }
            }
        }
        double[] bg = new double[3];
        for (int c = 0; c < 3; c++) {
            java.util.Arrays.sort(border[c]);
            bg[c] = border[c][ring / 2];
        }
        Background background = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (Background b : Background.values()) {
            int level = Renderer.backgroundLevel(b);
            double d = 0;
            for (int c = 0; c < 3; c++) {
                d += (bg[c] - level) * (bg[c] - level);
            }
            if (d < bestDistance) {
                bestDistance = d;
                background = b;
            }
        }
        float[] diff = new float[n * n];
        float maxDiff = 0;
        for (int i = 0; i < n * n; i++) {
            float d = 0;
            for (int c = 0; c < 3; c++) {
                d = Math.max(d, (float) Math.abs((px[3 * i + c] & 0xff) - bg[c]));
            }
            diff[i] = d;
            maxDiff = Math.max(maxDiff, d);
        }
        if (maxDiff < MIN_CONTRAST) {
            return new Measurement(background, null, 0, 0);
        }
        double hue = coreHue(px, diff, CORE_LEVEL * maxDiff);
        int big = n * UPSAMPLE;
        try (Mat small = new Mat(n, n, CV_32F);
                FloatIndexer fi = small.createIndexer();
                Mat large = new Mat();
                Mat mask = new Mat();
                Mat mask8 = new Mat();
                MatVector contours = new MatVector();
                Mat hierarchy = new Mat();
                org.bytedeco.opencv.opencv_core.Size s = new org.bytedeco.opencv.opencv_core.Size(big, big)) {
            for (int i = 0; i < n * n; i++) {
                fi.put(i / n, i % n, diff[i]);
            }
            opencv_imgproc.resize(small, large, s, 0, 0, INTER_LINEAR);
            opencv_imgproc.threshold(large, mask, MASK_LEVEL * maxDiff, 255, THRESH_BINARY);
            mask.convertTo(mask8, CV_8U);
            opencv_imgproc.findContours(mask8, contours, hierarchy, RETR_CCOMP, CHAIN_APPROX_NONE);
            if (contours.size() == 0) {
                return new Measurement(background, null, 0, hue);
            }
            // hierarchy row per contour: next, previous, first child, parent.
            try (IntIndexer h = hierarchy.createIndexer()) {
                int outer = -1;
                double outerArea = -1;
                for (int i = 0; i < contours.size(); i++) {
                    if (h.get(0, i, 3) < 0) {
                        double a = opencv_imgproc.contourArea(contours.get(i));
                        if (a > outerArea) {
                            outerArea = a;
                            outer = i;
                        }
                    }
                }
                double holeArea = 0;
                for (int child = h.get(0, outer, 2); child >= 0; child = h.get(0, child, 0)) {
                    holeArea = Math.max(holeArea, opencv_imgproc.contourArea(contours.get(child)));
                }
                Mat contour = contours.get(outer);
                double[] centroid = centroid(contour);
                double[] f = shapeFeatures(contour, outerArea, holeArea, centroid, radialHarmonics(contours, outer, big, centroid));
                double area = outerArea / (UPSAMPLE * UPSAMPLE);
                return new Measurement(background, f, area, hue);
            }
        }
    }

    /**
     * Solidity, fill of the enclosing circle, fill of the bounding box, vertical centroid offset,
     * hole share, notch count and the radial harmonics (scaled to comparable ranges).
     */
    private static double[] shapeFeatures(Mat contour, double area, double holeArea, double[] centroid, double[] harmonics) {
        double hullArea;
        try (Mat hull = new Mat()) {
            opencv_imgproc.convexHull(contour, hull);
            hullArea = opencv_imgproc.contourArea(hull);
        }
        float[] radius = new float[1];
        try (Point2f centre = new Point2f()) {
            opencv_imgproc.minEnclosingCircle(contour, centre, radius);
        }
        int notches = countNotches(contour, NOTCH_DEPTH * radius[0]);
        // Toy World objects are axis-aligned, so the fill of the upright bounding box tells a
        // square (1.0) from a blurred cross, which rounds into a diamond (about 0.5).
        double boxArea;
        double centroidOffset;
        try (Rect box = opencv_imgproc.boundingRect(contour)) {
            boxArea = (double) box.width() * box.height();
            // An upright triangle's centroid sits a sixth of its height below the box centre;
            // a diamond's (a blurred cross) sits at the centre, though both fill half the box.
            centroidOffset = Math.abs(centroid[1] - (box.y() + box.height() / 2.0)) / Math.max(box.height(), 1);
        }
        return new double[] {
            area / Math.max(hullArea, 1e-9),
            area / (Math.PI * radius[0] * radius[0]),
            area / Math.max(boxArea, 1e-9),
            2 * centroidOffset,
            2 * holeArea / Math.max(area, 1e-9),
            0.1 * notches,
            HARMONIC_WEIGHT * harmonics[0],
            HARMONIC_WEIGHT * harmonics[1],
            HARMONIC_WEIGHT * harmonics[2]
        };
    }

    /** The contour's centroid (x, y); its bounding box's centre when it encloses no area. */
    private static double[] centroid(Mat contour) {
        try (Moments mo = opencv_imgproc.moments(contour)) {
            if (mo.m00() > 0) {
                return new double[] {mo.m10() / mo.m00(), mo.m01() / mo.m00()};
            }
        }
        try (Rect box = opencv_imgproc.boundingRect(contour)) {
            return new double[] {box.x() + box.width() / 2.0, box.y() + box.height() / 2.0};
        }
    }

    /**
     * The 3-, 4- and 5-fold harmonics of the object's radial extent (the farthest pixel of its
     * filled outline from the centroid, over angle): each DFT coefficient's magnitude over the
     * constant term (half the relative amplitude a of an extent R(1 + a cos k theta)). They
     * carry a triangle's, a square's or cross's and a star's points; blur lowers them but keeps
     * which one dominates, where notch depth and solidity of a small star fall to a triangle's.
     * Only the object's own outline ({@code contours[outer]}) is filled, so specks elsewhere in
     * the image do not stretch the extent.
     */
    private static double[] radialHarmonics(MatVector contours, int outer, int side, double[] centroid) {
        byte[] mask = new byte[side * side];
        try (Scalar black = new Scalar(0.0); Mat filled = new Mat(side, side, CV_8U, black); Scalar white = new Scalar(255.0)) {
            opencv_imgproc.drawContours(filled, contours, outer, white, FILLED, LINE_8, null, Integer.MAX_VALUE, null);
            filled.data().get(mask);
        }
        double cx = centroid[0];
        double cy = centroid[1];
        double[] re = new double[3];
        double[] im = new double[3];
        double sum = 0;
        for (int j = 0; j < RAYS; j++) {
            double t = 2 * Math.PI * j / RAYS;
            double dx = Math.cos(t);
            double dy = Math.sin(t);
            double extent = 0;
            for (double r = 0.5; ; r += 0.5) {
                int x = (int) Math.round(cx + r * dx);
                int y = (int) Math.round(cy + r * dy);
                if (x < 0 || y < 0 || x >= side || y >= side) {
                    break;
                }
                if (mask[y * side + x] != 0) {
                    extent = r;
                }
            }
            sum += extent;
            for (int k = 0; k < 3; k++) {
                re[k] += extent * Math.cos((k + 3) * t);
                im[k] += extent * Math.sin((k + 3) * t);
            }
        }
        double[] out = new double[3];
        for (int k = 0; k < 3; k++) {
            out[k] = sum == 0 ? 0 : Math.hypot(re[k], im[k]) / sum;
        }
        return out;
    }

    /** Counts the gaps between a contour and its convex hull deeper than {@code minDepth}. */
    private static int countNotches(Mat contour, double minDepth) {
        int m = contour.rows();
        int[] xs = new int[m];
        int[] ys = new int[m];
        try (IntIndexer ci = contour.createIndexer()) {
            for (int i = 0; i < m; i++) {
                xs[i] = ci.get(i, 0, 0);
                ys[i] = ci.get(i, 0, 1);
            }
        }
        int[] hullIdx;
        try (Mat hull = new Mat()) {
            opencv_imgproc.convexHull(contour, hull, false, false);
            hullIdx = new int[hull.rows()];
            try (IntIndexer hi = hull.createIndexer()) {
                for (int i = 0; i < hullIdx.length; i++) {
                    hullIdx[i] = hi.get(i, 0);
                }
            }
        }
        java.util.Arrays.sort(hullIdx);
        int notches = 0;
        for (int j = 0; j < hullIdx.length; j++) {
            int a = hullIdx[j];
            int b = hullIdx[(j + 1) % hullIdx.length];
            double ax = xs[a];
            double ay = ys[a];
            double dx = xs[b] - ax;
            double dy = ys[b] - ay;
            double len = Math.hypot(dx, dy);
            if (len < 1e-9) {
                continue;
            }
            double deepest = 0;
            for (int i = (a + 1) % m; i != b; i = (i + 1) % m) {
                deepest = Math.max(deepest, Math.abs(dx * (ys[i] - ay) - dy * (xs[i] - ax)) / len);
            }
            if (deepest > minDepth) {
                notches++;
            }
        }
        return notches;
    }

    /** Circular mean hue in degrees of the pixels whose difference reaches {@code level}, weighted by chroma. */
    private static double coreHue(byte[] px, float[] diff, double level) {
        double sx = 0;
        double sy = 0;
        for (int i = 0; i < diff.length; i++) {
            if (diff[i] < level) {
                continue;
            }
            double b = (px[3 * i] & 0xff) / 255.0;
            double g = (px[3 * i + 1] & 0xff) / 255.0;
            double r = (px[3 * i + 2] & 0xff) / 255.0;
            double max = Math.max(r, Math.max(g, b));
            double min = Math.min(r, Math.min(g, b));
            double chroma = max - min;
            if (chroma <= 0) {
                continue;
            }
            double h;
            if (max == r) {
                h = 60 * (((g - b) / chroma) % 6);
            } else if (max == g) {
                h = 60 * ((b - r) / chroma + 2);
            } else {
                h = 60 * ((r - g) / chroma + 4);
            }
            double t = Math.toRadians(h);
            sx += chroma * Math.cos(t);
            sy += chroma * Math.sin(t);
        }
        double deg = Math.toDegrees(Math.atan2(sy, sx));
        return deg < 0 ? deg + 360 : deg;
    }
}
