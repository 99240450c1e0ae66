package io.hspace.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hspace.prompt.ClipTokenizer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Steering and image conditioning through the Java API, on the 32x32 Toy World model. */
class SteeringConditionTest {
    static final Path TOY = Path.of("models/toy");
    static final int STEPS = 4;

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

    /** One prompt, two seeds, CFG on, h at steps 1 and 3, images. */
    static ExtractRequest plain() {
        int[][] ids = {tokenizer.encode("a red circle on a white background", true)};
        return new ExtractRequest(ids, null, tokenizer.encode("", true), null, true, new long[] {11, 12}, null, null,
                STEPS, 3.0f, 32, 32, Scheduler.MODEL, new int[] {1, 3}, Branch.COND, Pooling.NONE, true, 0);
    }

    @Test
    void gridAndExplicitItemsGiveTheSameImagesAndH() {
        ExtractRequest grid = plain();
        ExtractRequest items = new ExtractRequest(grid.promptIds(), null, grid.negativeIds(), null, true, null, new int[] {0, 0},
                grid.seeds(), STEPS, 3.0f, 32, 32, Scheduler.MODEL, grid.captureSteps(), Branch.COND, Pooling.NONE, true, 0);
        ExtractResult a = engine.extract(grid);
        ExtractResult b = engine.extract(items);
        assertArrayEquals(a.h().data(), b.h().data());
        assertArrayEquals(a.images().data(), b.images().data());
    }

    static int midChannels(ExtractResult r) {
        return (int) r.h().dim(3);  // [P, S, K, C, H', W']
    }

    static float[] direction(int channels) {
        float[] d = new float[channels];
        for (int c = 0; c < channels; c++) {
            d[c] = (float) Math.sin(c * 1.7 + 0.3);
        }
        return d;
    }

    @Test
    void alphaZeroEqualsUnsteeredExtraction() {
        ExtractResult unsteered = engine.extract(plain());
        int c = midChannels(unsteered);
        ExtractResult steered = engine.extract(plain().withSteering(Steering.perChannel(direction(c), new float[] {0f, 0f}, Branch.BOTH)));
        assertArrayEquals(unsteered.h().data(), steered.h().data());
        assertArrayEquals(unsteered.images().data(), steered.images().data());
    }

    @Test
    void largeAlphaChangesTheImageItSteersOnly() {
        ExtractResult unsteered = engine.extract(plain());
        int c = midChannels(unsteered);
        long[] shape = {unsteered.h().dim(3), unsteered.h().dim(4), unsteered.h().dim(5)};
        float[] full = new float[(int) (shape[0] * shape[1] * shape[2])];
        float[] perChannel = direction(c);
        for (int i = 0; i < full.length; i++) {
            full[i] = perChannel[i / (int) (shape[1] * shape[2])];
        }
        // Alpha large against h itself: 10 times h's RMS along a direction of RMS about 0.7.
        double sum = 0;
        for (float v : unsteered.h().data()) {
            sum += (double) v * v;
        }
        float alpha = (float) (10 * Math.sqrt(sum / unsteered.h().data().length));
        ExtractResult steered = engine.extract(plain().withSteering(new Steering(full, shape, new float[] {0f, alpha}, new int[] {1, 2, 3}, Branch.BOTH)));
        int per = unsteered.images().data().length / 2;
        float[] a = unsteered.images().data();
        float[] b = steered.images().data();
        assertArrayEquals(Arrays.copyOfRange(a, 0, per), Arrays.copyOfRange(b, 0, per), "alpha 0 item changed");
        double change = 0;
        for (int i = per; i < 2 * per; i++) {
            change += Math.abs(a[i] - b[i]);
        }
        change /= per;
        assertTrue(change > 0.01, "mean absolute pixel change under alpha " + alpha + ": " + change);
        // h at step 1 (steered) is the unsteered h plus alpha * d, up to float rounding.
        float[] hu = unsteered.h().data();
        float[] hs = steered.h().data();
        int hw = (int) (shape[1] * shape[2]);
        int itemStride = 2 * c * hw;  // K = 2 captured steps per item
        for (int i = 0; i < c * hw; i++) {
            int at = itemStride + i;  // item 1, capture slot 0 (step 1)
            float expected = hu[at] + alpha * full[i];
            assertEquals(expected, hs[at], 1e-3f + 1e-4f * Math.abs(expected), "h at step 1, value " + i);
        }
    }

    /** The plain request recording both CFG halves. */
    static ExtractRequest plainBothHalves() {
        ExtractRequest p = plain();
        return new ExtractRequest(p.promptIds(), null, p.negativeIds(), null, true, p.seeds(), null, null, STEPS, p.guidance(), 32, 32,
                Scheduler.MODEL, p.captureSteps(), Branch.BOTH, Pooling.NONE, true, 0);
    }

    @Test
    void condBranchSteeringShiftsOnlyTheConditionalHalf() {
        ExtractResult unsteered = engine.extract(plainBothHalves());
        int c = midChannels(unsteered);
        int hw = (int) (unsteered.h().dim(4) * unsteered.h().dim(5));
        float[] d = direction(c);
        float alpha = 2f;
        ExtractResult steered = engine.extract(plainBothHalves().withSteering(
                new Steering(d, new long[] {c}, new float[] {0f, alpha}, new int[] {1, 2, 3}, Branch.COND)));
        // Item 1 at capture slot 0 (step 1, the first steered step): the conditional h is shifted
        // by alpha * d at every position, the unconditional h is untouched.
        int at = 2 * c * hw;
        for (int i = 0; i < c * hw; i++) {
            float expected = unsteered.h().data()[at + i] + alpha * d[i / hw];
            assertEquals(expected, steered.h().data()[at + i], 1e-4f + 1e-5f * Math.abs(expected), "conditional h, value " + i);
            assertEquals(unsteered.hUncond().data()[at + i], steered.hUncond().data()[at + i], "unconditional h, value " + i);
        }
        // Steering both halves by the same alpha gives another image: guidance scales the
        // conditional-only shift's effect.
        ExtractResult both = engine.extract(plainBothHalves().withSteering(
                new Steering(d, new long[] {c}, new float[] {0f, alpha}, new int[] {1, 2, 3}, Branch.BOTH)));
        int per = both.images().data().length / 2;
        assertFalse(Arrays.equals(Arrays.copyOfRange(both.images().data(), per, 2 * per),
                Arrays.copyOfRange(steered.images().data(), per, 2 * per)));
        assertEquals(unsteered.hUncond().data()[at] + alpha * d[0], both.hUncond().data()[at], 1e-4f);
    }

    static List<BufferedImage> rendered() {
        List<BufferedImage> images = new ArrayList<>();
        Color[][] scenes = {{Color.WHITE, Color.RED}, {Color.BLACK, Color.BLUE}, {Color.GRAY, Color.GREEN}};
        for (int i = 0; i < scenes.length; i++) {
            BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(scenes[i][0]);
            g.fillRect(0, 0, 64, 64);
            g.setColor(scenes[i][1]);
            g.fillOval(12 + 4 * i, 14, 30 - 6 * i, 30 - 6 * i);
            g.dispose();
            images.add(image);
        }
        return images;
    }

    @Test
    void conditionGivesFiniteHOfTheExtractionShape() {
        ExtractResult extracted = engine.extract(plain());
        FloatTensor pixels = ConditionRequest.pixels(rendered(), 32, 32);
        int[] empty = tokenizer.encode("", true);
        for (ConditionMode mode : ConditionMode.values()) {
            ConditionRequest request = ConditionRequest.builder(pixels, empty).steps(STEPS, 2).mode(mode).seeds(1, 2, 3).build();
            ConditionResult r = engine.condition(request);
            assertArrayEquals(new long[] {3, extracted.h().dim(3), extracted.h().dim(4), extracted.h().dim(5)}, r.h().shape(),
                    mode.label());
            for (float v : r.h().data()) {
                assertTrue(Float.isFinite(v), mode + ": h has " + v);
            }
            float[] timesteps = engine.timesteps(Scheduler.MODEL, STEPS);
            assertEquals(timesteps[2], r.timestep(), mode.label());
            FloatTensor pooled = engine.condition(ConditionRequest.builder(pixels, empty).steps(STEPS, 2).mode(mode)
                    .seeds(1, 2, 3).pooling(Pooling.SPATIAL_MEAN).build()).h();
            assertArrayEquals(new long[] {3, extracted.h().dim(3)}, pooled.shape());
        }
        // Different images give different h.
        FloatTensor h = engine.condition(ConditionRequest.builder(pixels, empty).steps(STEPS, 2).mode(ConditionMode.INVERT)
                .build()).h();
        int per = h.data().length / 3;
        assertFalse(Arrays.equals(Arrays.copyOfRange(h.data(), 0, per), Arrays.copyOfRange(h.data(), per, 2 * per)));
    }

    // ---- bad input -----------------------------------------------------------------------

    @Test
    void steeringAlphaNaNIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Steering.perChannel(new float[] {1f, 2f}, new float[] {0f, Float.NaN}, Branch.BOTH));
        assertTrue(e.getMessage().contains("alphas[1] is NaN"), e.getMessage());
    }

    @Test
    void steeringDirectionNotFiniteIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Steering.perChannel(new float[] {1f, Float.POSITIVE_INFINITY}, new float[] {1f}, Branch.BOTH));
        assertTrue(e.getMessage().contains("direction[1] is Infinity"), e.getMessage());
    }

    @Test
    void steeringAlphaCountMustMatchItems() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plain().withSteering(Steering.perChannel(new float[] {1f}, new float[] {1f, 2f, 3f}, Branch.BOTH)));
        assertTrue(e.getMessage().contains("3 alphas for 2 items"), e.getMessage());
    }

    @Test
    void steeringStepOutOfRangeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plain().withSteering(new Steering(new float[] {1f}, new long[] {1}, new float[] {1f, 1f}, new int[] {STEPS}, Branch.BOTH)));
        assertTrue(e.getMessage().contains("step " + STEPS + " is outside the " + STEPS + " steps"), e.getMessage());
    }

    @Test
    void steeringTheUnconditionalBranchWithoutGuidanceIsRejected() {
        ExtractRequest p = plain();
        ExtractRequest noGuidance = new ExtractRequest(p.promptIds(), null, p.negativeIds(), null, true, p.seeds(), null, null, STEPS,
                1.0f, 32, 32, Scheduler.MODEL, p.captureSteps(), Branch.COND, Pooling.NONE, true, 0);
        int c = midChannels(engine.extract(p));
        EngineException e = assertThrows(EngineException.class, () -> engine.extract(noGuidance.withSteering(
                Steering.perChannel(direction(c), new float[] {1f, 1f}, Branch.UNCOND))));
        assertTrue(e.getMessage().contains("steer_branch uncond needs classifier-free guidance"), e.getMessage());
    }

    @Test
    void steeringDirectionOfTheWrongSizeNamesBothShapes() {
        int c = midChannels(engine.extract(plain()));
        EngineException e = assertThrows(EngineException.class, () -> engine.extract(
                plain().withSteering(Steering.perChannel(new float[c + 1], new float[] {1f, 1f}, Branch.BOTH))));
        assertTrue(e.getMessage().contains("steer_direction has " + (c + 1) + " values"), e.getMessage());
        assertTrue(e.getMessage().contains("[" + c + ", 2, 2]"), e.getMessage());
    }

    @Test
    void conditionSizeNotAMultipleOfTheVaeFactor() {
        FloatTensor pixels = ConditionRequest.pixels(rendered(), 30, 30);
        EngineException e = assertThrows(EngineException.class, () -> engine.condition(
                ConditionRequest.builder(pixels, tokenizer.encode("", true)).steps(STEPS, 1).seeds(1, 2, 3).build()));
        assertTrue(e.getMessage().contains("30x30"), e.getMessage());
        assertTrue(e.getMessage().contains("VAE factor 4"), e.getMessage());
    }

    @Test
    void conditionValueOutsideZeroOneIsRejected() {
        FloatTensor pixels = ConditionRequest.pixels(rendered(), 32, 32);
        pixels.data()[5] = 1.25f;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConditionRequest.builder(pixels, tokenizer.encode("", true)).steps(STEPS, 1).seeds(1, 2, 3).build());
        assertTrue(e.getMessage().contains("outside [0, 1]"), e.getMessage());
    }

    @Test
    void conditionStepOutOfRangeIsRejected() {
        FloatTensor pixels = ConditionRequest.pixels(rendered(), 32, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConditionRequest.builder(pixels, tokenizer.encode("", true)).steps(STEPS, STEPS).seeds(1, 2, 3).build());
        assertTrue(e.getMessage().contains("step 4 is outside the 4 steps"), e.getMessage());
    }

    @Test
    void conditionNoImagesIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConditionRequest.builder(new FloatTensor(new long[] {0, 3, 32, 32}, new float[0]),
                        tokenizer.encode("", true)).steps(STEPS, 1).seeds().build());
        assertTrue(e.getMessage().contains("no images"), e.getMessage());
    }

    @Test
    void conditionNeedsAVae() {
        FloatTensor pixels = ConditionRequest.pixels(rendered(), 32, 32);
        try (Engine encoderOnly = Engine.open(EngineTest.TEXT_ENCODER, EngineOptions.cpu())) {
            EngineException e = assertThrows(EngineException.class, () -> encoderOnly.condition(
                    ConditionRequest.builder(pixels, new int[] {0, 5, 1}).steps(STEPS, 1).seeds(1, 2, 3).build()));
            assertTrue(e.getMessage().contains("no vae component"), e.getMessage());
        }
    }
}
