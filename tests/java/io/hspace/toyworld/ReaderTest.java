package io.hspace.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reader recovers every attribute of rendered images with random attributes and jitter, sharp or blurred. */
class ReaderTest {

    private static final int IMAGES = 2400;
    private static final double REQUIRED = 0.98;

    @Test
    void readsRenderedImagesPerAttributeAtLeast98Percent() {
        assertReadsAtLeast98Percent(0, 20261128L);
    }

    /** Generated images are softer than renders; small stars and crosses lose their notches first. */
    @ParameterizedTest
    @ValueSource(doubles = {0.6, 1.0})
    void readsBlurredRenderedImagesPerAttributeAtLeast98Percent(double sigma) {
        assertReadsAtLeast98Percent(sigma, 20261129L);
    }

    private static void assertReadsAtLeast98Percent(double blurSigma, long seed) {
        Renderer renderer = new Renderer();
        Reader reader = new Reader();
        SplittableRandom rng = new SplittableRandom(seed);
        Map<Attribute, Integer> right = new EnumMap<>(Attribute.class);
        Map<String, Integer> confusions = new java.util.TreeMap<>();
        for (int i = 0; i < IMAGES; i++) {
            Attributes truth = new Attributes(
                    Shape.values()[rng.nextInt(Shape.values().length)],
                    Color.values()[rng.nextInt(Color.values().length)],
                    Size.values()[rng.nextInt(Size.values().length)],
                    Background.values()[rng.nextInt(Background.values().length)]);
            Stated read;
            try (Mat img = renderer.render(truth, rng); Mat soft = Reader.blurred(img, blurSigma)) {
                read = reader.read(soft).attributes();
            }
            for (Attribute a : Attribute.values()) {
                if (truth.get(a) == read.get(a)) {
                    right.merge(a, 1, Integer::sum);
                } else {
                    confusions.merge(a.word() + " " + truth.get(a) + "->" + read.get(a), 1, Integer::sum);
                }
            }
        }
        for (Attribute a : Attribute.values()) {
            System.out.printf("reader accuracy, blur sigma %.1f, %-10s %.4f (%d/%d)%n", blurSigma, a.word(),
                    right.getOrDefault(a, 0) / (double) IMAGES, right.getOrDefault(a, 0), IMAGES);
        }
        System.out.println("reader confusions: " + confusions);
        for (Attribute a : Attribute.values()) {
            double accuracy = right.getOrDefault(a, 0) / (double) IMAGES;
            assertTrue(accuracy >= REQUIRED, a.word() + " accuracy " + accuracy + " < " + REQUIRED + " at blur sigma " + blurSigma);
        }
    }

    /** The k-fold harmonic of a shape's points dominates, sharp or blurred; a circle has none to speak of. */
    @ParameterizedTest
    @ValueSource(doubles = {0, 1.0})
    void radialHarmonicsFollowEachShapesPoints(double blurSigma) {
        Renderer renderer = new Renderer();
        for (Size size : Size.values()) {
            for (Shape shape : Shape.values()) {
                double[] h;
                try (Mat img = renderer.renderExact(new Attributes(shape, Color.GREEN, size, Background.WHITE));
                        Mat soft = Reader.blurred(img, blurSigma)) {
                    double[] f = Reader.features(soft);
                    h = java.util.Arrays.copyOfRange(f, f.length - 3, f.length);
                }
                String what = size + " " + shape + " at blur " + blurSigma + ": " + java.util.Arrays.toString(h);
                switch (shape) {
                    case CIRCLE, RING -> assertTrue(Math.max(h[0], Math.max(h[1], h[2])) < 0.05, what);
                    case TRIANGLE -> assertTrue(h[0] > 0.2 && h[0] > 4 * Math.max(h[1], h[2]), what);
                    case SQUARE, CROSS -> assertTrue(h[1] > 0.1 && h[1] > 4 * Math.max(h[0], h[2]), what);
                    case STAR -> assertTrue(h[2] > 0.2 && h[2] > 4 * Math.max(h[0], h[1]), what);
                }
            }
        }
    }

    @Test
    void aSpeckAwayFromTheObjectChangesNeitherItsHarmonicsNorItsReading() {
        Attributes truth = new Attributes(Shape.STAR, Color.BLUE, Size.SMALL, Background.GRAY);
        try (Mat clean = new Renderer().renderExact(truth); Mat specked = clean.clone();
                org.bytedeco.javacpp.indexer.UByteIndexer px = specked.createIndexer()) {
            for (int y = 2; y < 4; y++) {
                for (int x = 2; x < 4; x++) {
                    for (int c = 0; c < 3; c++) {
                        px.put(y, x, c, px.get(16, 16, c));
                    }
                }
            }
            double[] f = Reader.features(clean);
            double[] g = Reader.features(specked);
            assertArrayEquals(java.util.Arrays.copyOfRange(f, f.length - 3, f.length),
                    java.util.Arrays.copyOfRange(g, g.length - 3, g.length), 1e-12);
            assertEquals(truth, new Reader().read(specked).attributes().complete());
        }
    }

    @Test
    void captionOfAReadingFollowsTheGrammar() {
        Attributes truth = new Attributes(Shape.STAR, Color.YELLOW, Size.LARGE, Background.BLACK);
        try (Mat img = new Renderer().renderExact(truth)) {
            Reading r = new Reader().read(img);
            assertEquals("a large yellow star on a black background", r.caption());
            assertEquals(truth, CaptionGrammar.parse(r.caption()).complete());
        }
    }

    @Test
    void blankImageReadsOnlyTheBackground() {
        try (Mat img = new Mat(32, 32, org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                new org.bytedeco.opencv.opencv_core.Scalar(128, 128, 128, 0))) {
            Reading r = new Reader().read(img);
            assertEquals(Background.GRAY, r.attributes().background());
            assertEquals(java.util.Set.of(Attribute.SHAPE, Attribute.COLOR, Attribute.SIZE), r.attributes().leftOut());
        }
    }
}
