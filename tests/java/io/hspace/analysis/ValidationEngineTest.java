package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.atlas.EngineExtractor;
import io.hspace.atlas.Sampler;
import io.hspace.caption.ToyWorldCaptioner;
import io.hspace.engine.Branch;
import io.hspace.engine.ConditionMode;
import io.hspace.engine.Engine;
import io.hspace.engine.EngineOptions;
import io.hspace.engine.ExtractRequest;
import io.hspace.engine.ExtractResult;
import io.hspace.engine.Pooling;
import io.hspace.engine.Scheduler;
import io.hspace.engine.Steering;
import io.hspace.prompt.ClipTokenizer;
import io.hspace.toyworld.Attributes;
import io.hspace.toyworld.Background;
import io.hspace.toyworld.Color;
import io.hspace.toyworld.Renderer;
import io.hspace.toyworld.Shape;
import io.hspace.toyworld.Size;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Conditioning and steering end to end on the 32x32 Toy World model (few images, few steps). */
class ValidationEngineTest {
    static final Path TOY = Path.of("models/toy");
    static final Sampler SAMPLER = new Sampler(Scheduler.MODEL, 4, 5.0, 32, 32, "");
    static Engine engine;
    static ClipTokenizer tokenizer;

    @BeforeAll
    static void open() throws IOException {
        engine = Engine.open(TOY, EngineOptions.cpu());
        tokenizer = ClipTokenizer.load(TOY.resolve("tokenizer"));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @ParameterizedTest
    @EnumSource(ConditionAnalysis.Score.class)
    void conditionReadsEveryImageAndScoresAgainstTheLabels(ConditionAnalysis.Score score, @TempDir Path dir) throws IOException {
        ImageFolder folder = renderCircles(dir);
        List<Map<String, String>> truth = ImageLabels.read(dir.resolve("labels.jsonl"), folder.files());
        ConditionAnalysis.Spec spec = new ConditionAnalysis.Spec("c", List.of(
                new ConditionAnalysis.Family("color", "a {value} shape", List.of("red", "blue", "green")),
                new ConditionAnalysis.Family("shape", "a {value}", List.of("circle", "square"))),
                SAMPLER, 2, ConditionMode.NOISE, Pooling.NONE, "", List.of(0L, 1L), 0, 1, ConditionAnalysis.Centre.IMAGES, Branch.UNCOND,
                score);
        List<Long> done = new ArrayList<>();
        ConditionAnalysis.Result r = ConditionAnalysis.run(engine, tokenizer, spec, folder, truth, Stats.DEFAULT, new NativeProjections(-1),
                4, done::add);
        // the 4 images, then the 5 value prompts x 2 seeds in batches of 4
        assertEquals(List.of(4L, 8L, 12L, 14L), done);
        assertEquals(14, ConditionAnalysis.items(spec, 4));
        assertEquals(List.of("labels.jsonl"), r.skipped().stream().map(s -> Path.of(s).getFileName().toString()).toList());
        assertEquals(engine.timesteps(Scheduler.MODEL, 4)[2], r.timestep());
        ConditionAnalysis.FamilyResult color = r.family("color");
        assertEquals(4, color.predicted().size());
        assertEquals(4, color.labelled());
        int total = 0;
        int right = 0;
        for (int t = 0; t < 3; t++) {
            for (int p = 0; p < 3; p++) {
                total += color.confusion()[t][p];
                right += t == p ? color.confusion()[t][p] : 0;
            }
        }
        assertEquals(4, total);
        assertEquals(right / 4.0, color.accuracy().value(), 1e-12);
        // The shape family has no labels in the file: no accuracy, but a reading.
        assertEquals(0, r.family("shape").labelled());
        assertEquals(null, r.family("shape").accuracy());
        for (int i = 0; i < 4; i++) {
            double[] row = color.score()[i];
            assertEquals(color.values().get(ConditionAnalysis.argmax(new double[][] {row})[0]), color.predicted().get(i));
            for (double c : row) {
                assertTrue(score == ConditionAnalysis.Score.COSINE ? c >= -1.0001 && c <= 1.0001 : Double.isFinite(c), score + " " + c);
            }
        }
        if (score == ConditionAnalysis.Score.COSINE) {
            assertTrue(Double.isNaN(color.shrinkage()));
        } else {
            assertTrue(color.shrinkage() >= LinearDiscriminant.MIN_SHRINKAGE && color.shrinkage() <= 1, "shrinkage " + color.shrinkage());
        }
    }

    /** Four large circles on white, red, blue, green, red, with their colors in labels.jsonl. */
    private static ImageFolder renderCircles(Path dir) throws IOException {
        Renderer renderer = new Renderer();
        SplittableRandom rng = new SplittableRandom(3);
        Color[] colors = {Color.RED, Color.BLUE, Color.GREEN, Color.RED};
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < colors.length; i++) {
            Attributes a = new Attributes(Shape.CIRCLE, colors[i], Size.LARGE, Background.WHITE);
            try (Mat img = renderer.render(a, rng)) {
                opencv_imgcodecs.imwrite(dir.resolve("img" + i + ".png").toString(), img);
            }
            labels.append("{\"file\":\"img").append(i).append(".png\",\"attributes\":{\"color\":\"")
                    .append(colors[i].name().toLowerCase()).append("\"}}\n");
        }
        Files.writeString(dir.resolve("labels.jsonl"), labels);
        return ImageFolder.read(dir, 32, 32);
    }

    @Test
    void familiesSharingPromptsExtractThemOnceAndReadAsEachFamilyAlone(@TempDir Path dir) throws IOException {
        ImageFolder folder = renderCircles(dir);
        ConditionAnalysis.Family color = new ConditionAnalysis.Family("color", "a {value} {shape}", List.of("red", "blue"),
                Map.of("shape", List.of("circle", "square")));
        ConditionAnalysis.Family shape = new ConditionAnalysis.Family("shape", "a {color} {value}", List.of("circle", "square"),
                Map.of("color", List.of("red", "blue")));
        ConditionAnalysis.Spec both = spec(List.of(color, shape));
        // the two families name the same 4 prompts: 4 images + 4 prompts x 2 seeds, not + 8 x 2
        assertEquals(12, ConditionAnalysis.items(both, 4));
        List<Long> done = new ArrayList<>();
        ConditionAnalysis.Result together = ConditionAnalysis.run(engine, tokenizer, both, folder, null, Stats.DEFAULT,
                new NativeProjections(-1), 0, done::add);
        assertEquals(12L, done.get(done.size() - 1));
        for (ConditionAnalysis.Family f : List.of(color, shape)) {
            ConditionAnalysis.Result alone = ConditionAnalysis.run(engine, tokenizer, spec(List.of(f)), folder, null, Stats.DEFAULT,
                    new NativeProjections(-1), 0, k -> { });
            ConditionAnalysis.FamilyResult a = alone.family(f.name());
            ConditionAnalysis.FamilyResult t = together.family(f.name());
            assertEquals(a.predicted(), t.predicted(), f.name());
            for (int i = 0; i < 4; i++) {
                for (int v = 0; v < 2; v++) {
                    double x = a.score()[i][v];
                    assertEquals(x, t.score()[i][v], 1e-4 * Math.max(1, Math.abs(x)), f.name() + " image " + i);
                }
            }
        }
    }

    private static ConditionAnalysis.Spec spec(List<ConditionAnalysis.Family> families) {
        return spec(families, 0, 1);
    }

    private static ConditionAnalysis.Spec spec(List<ConditionAnalysis.Family> families, long imageSeed, int noiseDraws) {
        return new ConditionAnalysis.Spec("c", families, SAMPLER, 2, ConditionMode.NOISE, Pooling.NONE, "", List.of(0L, 1L), imageSeed,
                noiseDraws, ConditionAnalysis.Centre.IMAGES, Branch.UNCOND, ConditionAnalysis.Score.DISCRIMINANT);
    }

    @Test
    void noiseDrawsAverageEachImagesHOverItsDrawSeeds(@TempDir Path dir) throws IOException {
        ImageFolder folder = renderCircles(dir);
        int n = folder.files().size();
        List<ConditionAnalysis.Family> color = List.of(new ConditionAnalysis.Family("color", "a {value} shape", List.of("red", "blue")));
        List<Long> progress = new ArrayList<>();
        float[][] first = ConditionAnalysis.imageH(engine, tokenizer, spec(color, 5, 1), folder, k -> {}).h();
        float[][] second = ConditionAnalysis.imageH(engine, tokenizer, spec(color, 5 + n, 1), folder, k -> {}).h();
        float[][] both = ConditionAnalysis.imageH(engine, tokenizer, spec(color, 5, 2), folder, progress::add).h();
        assertEquals(List.of((long) n, 2L * n), progress);
        double differs = 0;
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < both[i].length; d++) {
                assertEquals((first[i][d] + second[i][d]) / 2, both[i][d], 1e-5 * (1 + Math.abs(both[i][d])));
                differs = Math.max(differs, Math.abs(first[i][d] - second[i][d]));
            }
        }
        assertTrue(differs > 1e-3, "the two draws must differ: " + differs);
    }

    @Test
    void extractionInBatchesEqualsOneCallAndTellsEachBatch() {
        int channels = (int) engine.extract(PromptVectors.request(tokenizer, SAMPLER, List.of("a circle"), null, new int[] {0},
                new long[] {1}, new int[] {0}, Branch.COND, Pooling.SPATIAL_MEAN, false, 0)).h().dim(2);  // [items, K, C]
        float[] direction = new float[channels];
        java.util.Arrays.fill(direction, 0.5f);
        ExtractRequest request = PromptVectors.request(tokenizer, SAMPLER, List.of("a circle", "a red square"), null,
                new int[] {0, 1, 0}, new long[] {1, 2, 3}, new int[] {1, 3}, Branch.COND, Pooling.SPATIAL_MEAN, true, 2)
                .withSteering(new Steering(direction, new long[] {channels}, new float[] {0, 1, 2}, new int[] {1}, Branch.COND));
        ExtractResult whole = engine.extract(request);
        List<Long> done = new ArrayList<>();
        ExtractResult batched = PromptVectors.run(engine, request, done::add);
        assertEquals(List.of(2L, 3L), done);
        assertArrayEquals(whole.h().shape(), batched.h().shape());
        assertArrayEquals(whole.h().data(), batched.h().data());
        assertArrayEquals(whole.images().shape(), batched.images().shape());
        assertArrayEquals(whole.images().data(), batched.images().data());
        assertArrayEquals(whole.timesteps(), batched.timesteps());
    }

    @Test
    void steerInBatchesAlphaZeroImagesAreTheUnsteeredOnesAndEveryImageIsCaptioned(@TempDir Path dir) throws IOException {
        Map<String, List<String>> families = new LinkedHashMap<>();
        families.put("color", List.of("red", "green", "blue", "yellow", "purple", "orange"));
        families.put("shape", List.of("circle", "square", "triangle", "star", "cross", "ring"));
        SteerAnalysis.Spec spec = new SteerAnalysis.Spec("s", "a {shape}", "a blue {shape}", Map.of("shape", List.of("circle")),
                families, "color", "blue", List.of(3.0), List.of(1, 2), Branch.COND, SteerAnalysis.Direction.PAIR, SAMPLER, List.of(5L, 6L));
        SteerAnalysis.Result r;
        List<Long> done = new ArrayList<>();
        try (ToyWorldCaptioner captioner = new ToyWorldCaptioner()) {
            r = SteerAnalysis.run(engine, tokenizer, spec, captioner, dir, Stats.DEFAULT, 3, done::add);
        }
        // batches of 3: the direction's 2 prompts x 2 seeds, the to prompt's 2 seeds (the prompt
        // edit), then the sweep's 2 seeds x 2 alphas
        assertEquals(List.of(3L, 4L, 6L, 9L, 10L), done);
        assertEquals(10, SteerAnalysis.items(spec));
        assertEquals(List.of(0.0, 3.0), spec.alphas());
        assertEquals(4, r.items().size());
        assertTrue(r.hNorms().stream().allMatch(n -> n > 0) && r.directionNorms().stream().allMatch(n -> n > 0));
        ExtractResult plain = engine.extract(PromptVectors.request(tokenizer, SAMPLER, List.of("a circle"), null, new int[] {0, 0},
                new long[] {5, 6}, new int[] {3}, Branch.COND, Pooling.SPATIAL_MEAN, true, 0));
        for (int s = 0; s < 2; s++) {
            SteerAnalysis.Item zero = r.items().get(2 * s);
            assertEquals(0.0, zero.alpha());
            assertArrayEquals(EngineExtractor.png(plain.images(), s), Files.readAllBytes(Path.of(zero.image())), "seed " + s);
            SteerAnalysis.Item steered = r.items().get(2 * s + 1);
            assertFalse(java.util.Arrays.equals(Files.readAllBytes(Path.of(zero.image())), Files.readAllBytes(Path.of(steered.image()))));
            assertNotNull(steered.caption());
        }
        assertEquals(0.0, r.alphas().get(0).sideEffects().value());
        // the prompt edit's images are the to prompt's, as a plain extraction makes them
        ExtractResult to = engine.extract(PromptVectors.request(tokenizer, SAMPLER, List.of("a blue circle"), null, new int[] {0, 0},
                new long[] {5, 6}, new int[] {3}, Branch.COND, Pooling.SPATIAL_MEAN, true, 0));
        assertEquals(2, r.promptEditItems().size());
        for (int s = 0; s < 2; s++) {
            assertEquals("a blue circle", r.promptEditItems().get(s).prompt());
            assertArrayEquals(EngineExtractor.png(to.images(), s), Files.readAllBytes(Path.of(r.promptEditItems().get(s).image())));
        }
        assertNotNull(r.promptEdit());
    }

    /** The mean absolute difference, in 8-bit levels, of two PNG files of one size. */
    static double pixelDifference(Path a, Path b) throws IOException {
        java.awt.image.BufferedImage x = javax.imageio.ImageIO.read(a.toFile());
        java.awt.image.BufferedImage y = javax.imageio.ImageIO.read(b.toFile());
        double sum = 0;
        for (int r = 0; r < x.getHeight(); r++) {
            for (int c = 0; c < x.getWidth(); c++) {
                int p = x.getRGB(c, r);
                int q = y.getRGB(c, r);
                for (int shift = 0; shift < 24; shift += 8) {
                    sum += Math.abs(((p >> shift) & 255) - ((q >> shift) & 255));
                }
            }
        }
        return sum / (3.0 * x.getWidth() * x.getHeight());
    }

    /** The steered (alpha 3) images of the 'a circle' items of a sweep over {@code shapes}. */
    static List<Path> circleImages(Path dir, List<String> shapes, SteerAnalysis.Direction direction) throws IOException {
        Map<String, List<String>> families = new LinkedHashMap<>();
        families.put("color", List.of("red", "green", "blue", "yellow", "purple", "orange"));
        SteerAnalysis.Spec spec = new SteerAnalysis.Spec("s", "a {shape}", "a blue {shape}", Map.of("shape", shapes), families, "color",
                "blue", List.of(3.0), List.of(1, 2), Branch.COND, direction, SAMPLER, List.of(5L, 6L));
        SteerAnalysis.Result r;
        try (ToyWorldCaptioner captioner = new ToyWorldCaptioner()) {
            r = SteerAnalysis.run(engine, tokenizer, spec, captioner, dir, Stats.DEFAULT, 0, k -> {});
        }
        assertEquals(direction == SteerAnalysis.Direction.PAIR ? shapes.size() : 1, r.directionNorms().size());
        return r.items().stream().filter(i -> i.prompt().equals("a circle") && i.alpha() == 3.0).map(i -> Path.of(i.image())).toList();
    }

    @Test
    void eachPairIsSteeredAlongItsOwnDirectionUnlessTheMeanIsAsked(@TempDir Path dir) throws IOException {
        List<Path> alone = circleImages(dir.resolve("alone"), List.of("circle"), SteerAnalysis.Direction.PAIR);
        List<Path> pair = circleImages(dir.resolve("pair"), List.of("circle", "star"), SteerAnalysis.Direction.PAIR);
        List<Path> mean = circleImages(dir.resolve("mean"), List.of("circle", "star"), SteerAnalysis.Direction.MEAN);
        for (int s = 0; s < 2; s++) {
            // the star pair changes nothing of the circle's direction (batch rounding aside)
            assertTrue(pixelDifference(alone.get(s), pair.get(s)) < 0.5, "seed " + s + ": " + pixelDifference(alone.get(s), pair.get(s)));
            assertTrue(pixelDifference(alone.get(s), mean.get(s)) > 2, "seed " + s + ": " + pixelDifference(alone.get(s), mean.get(s)));
        }
    }

    @Test
    void promptNormsAreEachPromptsMeanNormOfHOverSeedsAndSteps() {
        List<String> prompts = List.of("a circle", "a large red star on a black background");
        int[] steps = {1, 3};
        PromptVectors pv = PromptVectors.extract(engine, tokenizer, SAMPLER, prompts, List.of(5L, 6L, 7L), steps, Branch.COND, Pooling.NONE,
                2, k -> {});
        ExtractResult raw = engine.extract(PromptVectors.request(tokenizer, SAMPLER, prompts, null, new int[] {0, 0, 0, 1, 1, 1},
                new long[] {5, 6, 7, 5, 6, 7}, steps, Branch.COND, Pooling.NONE, false, 0));
        float[] h = raw.h().data();  // [6 items, 2 steps, D]
        int d = h.length / 12;
        for (int p = 0; p < 2; p++) {
            double sum = 0;
            for (int i = 3 * p; i < 3 * p + 3; i++) {
                for (int k = 0; k < 2; k++) {
                    double sq = 0;
                    for (int j = 0; j < d; j++) {
                        double v = h[(i * 2 + k) * d + j];
                        sq += v * v;
                    }
                    sum += Math.sqrt(sq);
                }
            }
            assertEquals(sum / 6, pv.norms()[p], 1e-4 * sum / 6, prompts.get(p));
        }
        assertEquals((pv.norms()[0] + pv.norms()[1]) / 2, pv.meanNorm(), 1e-12);
        assertTrue(Math.abs(pv.norms()[0] - pv.norms()[1]) > 1e-6 * pv.norms()[0], "two prompts, two norms");
    }
}
