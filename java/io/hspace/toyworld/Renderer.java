package io.hspace.toyworld;

import static org.bytedeco.opencv.global.opencv_core.CV_32SC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Draws Toy World images: one anti-aliased object on a plain background, 32x32, 8-bit BGR
 * (OpenCV's channel order). Drawing happens at {@link #SUPERSAMPLE} times the size and is
 * averaged down, which anti-aliases edges more evenly than OpenCV's LINE_AA alone.
 *
 * <p>The geometry here (radii, outlines, hues, background levels) is the one definition the
 * {@link Reader} also reads against.
 */
public final class Renderer {

    /** Output side in pixels. */
    public static final int SIDE = 32;
    /** Drawing is done at this multiple of {@link #SIDE}. */
    public static final int SUPERSAMPLE = 8;
    /** Fixed-point bits OpenCV gets for sub-pixel coordinates. */
    private static final int SHIFT = 4;

    /** Object radius in output pixels for a small object, before jitter. */
    public static final double SMALL_RADIUS = 6.0;
    /** Object radius in output pixels for a large object, before jitter. */
    public static final double LARGE_RADIUS = 10.5;
    /** Relative size jitter: the radius is scaled by a factor in [1 - j, 1 + j]. */
    public static final double SIZE_JITTER = 0.10;
    /** Hue jitter in degrees, either way. */
    public static final double HUE_JITTER = 8.0;
    /** Minimum gap in output pixels between the object and the image border. */
    public static final double BORDER_GAP = 2.0;
    /** Hole radius of a ring relative to its outer radius. */
    public static final double RING_HOLE = 0.55;

    private static final double SQUARE_HALF_SIDE = 0.8;
    private static final double STAR_INNER = 0.45;
    private static final double CROSS_HALF_WIDTH = 0.4;

    /** The radius before jitter of objects of size {@code size}. */
    public static double radius(Size size) {
        return size == Size.SMALL ? SMALL_RADIUS : LARGE_RADIUS;
    }

    /** The hue, in degrees, of color {@code c} before jitter. */
    public static double hueDegrees(Color c) {
        return switch (c) {
            case RED -> 0;
            case ORANGE -> 30;
            case YELLOW -> 58;
            case GREEN -> 125;
            case BLUE -> 225;
            case PURPLE -> 280;
        };
    }

    /** The gray level (0-255, all three channels) of background {@code b}. */
    public static int backgroundLevel(Background b) {
        return switch (b) {
            case WHITE -> 255;
            case BLACK -> 0;
            case GRAY -> 128;
        };
    }

    /**
     * The outline of {@code shape} at radius 1 centred on the origin, y pointing down, as
     * (x, y) pairs; {@code null} for the round shapes (circle, ring).
     */
    public static double[][] unitOutline(Shape shape) {
        return switch (shape) {
            case CIRCLE, RING -> null;
            case SQUARE -> new double[][] {
                {-SQUARE_HALF_SIDE, -SQUARE_HALF_SIDE}, {SQUARE_HALF_SIDE, -SQUARE_HALF_SIDE},
                {SQUARE_HALF_SIDE, SQUARE_HALF_SIDE}, {-SQUARE_HALF_SIDE, SQUARE_HALF_SIDE}};
            case TRIANGLE -> polar(new double[] {1, 1, 1}, -90);
            case STAR -> polar(new double[] {1, STAR_INNER, 1, STAR_INNER, 1, STAR_INNER, 1,
                STAR_INNER, 1, STAR_INNER}, -90);
            case CROSS -> {
                double w = CROSS_HALF_WIDTH;
                yield new double[][] {{-w, -1}, {w, -1}, {w, -w}, {1, -w}, {1, w}, {w, w},
                    {w, 1}, {-w, 1}, {-w, w}, {-1, w}, {-1, -w}, {-w, -w}};
            }
        };
    }

    /** Vertices at the given radii, evenly spaced in angle, starting at {@code startDegrees}. */
    private static double[][] polar(double[] radii, double startDegrees) {
        double[][] pts = new double[radii.length][];
        for (int i = 0; i < radii.length; i++) {
            double t = Math.toRadians(startDegrees + 360.0 * i / radii.length);
            pts[i] = new double[] {radii[i] * Math.cos(t), radii[i] * Math.sin(t)};
        }
        return pts;
    }

    /** The area enclosed by the outer outline of {@code shape} at radius 1 (holes included). */
    public static double unitArea(Shape shape) {
        double[][] p = unitOutline(shape);
        if (p == null) {
            return Math.PI;
        }
        double twice = 0;
        for (int i = 0; i < p.length; i++) {
            double[] a = p[i];
            double[] b = p[(i + 1) % p.length];
            twice += a[0] * b[1] - b[0] * a[1];
        }
        return Math.abs(twice) / 2;
    }

    /** The largest distance from the centre to the outline of {@code shape} at radius 1. */
    public static double unitExtent(Shape shape) {
        double[][] p = unitOutline(shape);
        if (p == null) {
            return 1;
        }
        double m = 0;
        for (double[] v : p) {
            m = Math.max(m, Math.hypot(v[0], v[1]));
        }
        return m;
    }

    /**
     * Renders {@code a} with random jitter of position, size and hue drawn from {@code rng}.
     * The caller owns (and should close) the returned 32x32 CV_8UC3 BGR image.
     */
    public Mat render(Attributes a, SplittableRandom rng) {
        double r = radius(a.size()) * (1 + SIZE_JITTER * (2 * rng.nextDouble() - 1));
        double margin = r * unitExtent(a.shape()) + BORDER_GAP;
        double cx = margin + rng.nextDouble() * (SIDE - 2 * margin);
        double cy = margin + rng.nextDouble() * (SIDE - 2 * margin);
        double hue = hueDegrees(a.color()) + HUE_JITTER * (2 * rng.nextDouble() - 1);
        double saturation = 0.85 + 0.15 * rng.nextDouble();
        double value = 0.85 + 0.15 * rng.nextDouble();
        return draw(a.shape(), cx, cy, r, hsvToBgr(hue, saturation, value),
                backgroundLevel(a.background()));
    }

    /** Renders {@code a} centred, at the nominal radius and hue, without jitter. */
    public Mat renderExact(Attributes a) {
        return draw(a.shape(), SIDE / 2.0, SIDE / 2.0, radius(a.size()),
                hsvToBgr(hueDegrees(a.color()), 1, 1), backgroundLevel(a.background()));
    }

    private static Mat draw(Shape shape, double cx, double cy, double r, Scalar color, int bg) {
        int big = SIDE * SUPERSAMPLE;
        double k = SUPERSAMPLE * (1 << SHIFT);
        try (Mat canvas = new Mat(big, big, CV_8UC3, new Scalar(bg, bg, bg, 0))) {
            double[][] outline = unitOutline(shape);
            if (outline == null) {
                try (Point c = new Point((int) Math.round(cx * k), (int) Math.round(cy * k))) {
                    opencv_imgproc.circle(canvas, c, (int) Math.round(r * k), color, FILLED, LINE_AA, SHIFT);
                    if (shape == Shape.RING) {
                        try (Scalar hole = new Scalar(bg, bg, bg, 0)) {
                            opencv_imgproc.circle(canvas, c, (int) Math.round(r * RING_HOLE * k), hole,
                                    FILLED, LINE_AA, SHIFT);
                        }
                    }
                }
            } else {
                try (Mat pts = new Mat(outline.length, 1, CV_32SC2);
                        IntIndexer idx = pts.createIndexer();
                        MatVector polys = new MatVector(1);
                        Point offset = new Point(0, 0)) {
                    for (int i = 0; i < outline.length; i++) {
                        idx.put(i, 0, 0, (int) Math.round((cx + r * outline[i][0]) * k));
                        idx.put(i, 0, 1, (int) Math.round((cy + r * outline[i][1]) * k));
                    }
                    polys.put(0, pts);
                    opencv_imgproc.fillPoly(canvas, polys, color, LINE_AA, SHIFT, offset);
                }
            }
            Mat out = new Mat();
            try (org.bytedeco.opencv.opencv_core.Size s = new org.bytedeco.opencv.opencv_core.Size(SIDE, SIDE)) {
                opencv_imgproc.resize(canvas, out, s, 0, 0, INTER_AREA);
            }
            color.close();
            return out;
        }
    }

    /** HSV (hue in degrees, s and v in [0, 1]) to an OpenCV BGR scalar in 0-255. */
    private static Scalar hsvToBgr(double hueDegrees, double s, double v) {
        double h = ((hueDegrees % 360) + 360) % 360 / 60.0;
        double c = v * s;
        double x = c * (1 - Math.abs(h % 2 - 1));
        double m = v - c;
        double[] rgb = switch ((int) h) {
            case 0 -> new double[] {c, x, 0};
            case 1 -> new double[] {x, c, 0};
            case 2 -> new double[] {0, c, x};
            case 3 -> new double[] {0, x, c};
            case 4 -> new double[] {x, 0, c};
            default -> new double[] {c, 0, x};
        };
        return new Scalar(255 * (rgb[2] + m), 255 * (rgb[1] + m), 255 * (rgb[0] + m), 0);
    }
}
