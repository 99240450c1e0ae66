package io.hspace.atlas;

import io.hspace.engine.Pooling;
import io.hspace.engine.Branch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic stand-in for the engine: h(prompt, seed, step) is the sum of a fixed random
 * direction per word of the prompt, a direction per seed (shared by all prompts, like the initial
 * noise), seeded per-item noise and a step-dependent scale. Planted defaults make a prompt that
 * names a noun but no value of a family draw one value per seed from given probabilities.
 */
public final class FakeExtractor implements HExtractor {
    private final int channels;
    private final int height;
    private final int width;
    private final double noise;
    private final long delayMillis;
    private final Map<String, Planted> planted = new HashMap<>();
    private final String identity;

    private record Planted(List<String> values, double[] probs) {}

    public FakeExtractor(int channels, int height, int width, double noise, long delayMillis) {
        this(channels, height, width, noise, delayMillis, "fake-model-1");
    }

    public FakeExtractor(int channels, int height, int width, double noise, long delayMillis, String identity) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.noise = noise;
        this.delayMillis = delayMillis;
        this.identity = identity;
    }

    /** Plants a default: prompts with {@code noun} and none of {@code values} get value i with probability probs[i] per seed. */
    public FakeExtractor plant(String noun, List<String> values, double[] probs) {
        planted.put(noun, new Planted(values, probs));
        return this;
    }

    @Override
    public ExtractorIdentity identity() {
        return new ExtractorIdentity(identity, "/fake/" + identity, "fake-extractor 1");
    }

    @Override
    public long[] capturedTimesteps(AtlasSettings settings) {
        return settings.capture().steps().stream().mapToLong(s -> 999 - 100L * s).toArray();
    }

    @Override
    public List<ItemResult> extract(AtlasSettings settings, List<WorkItem> batch) throws InterruptedException {
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        boolean pooled = settings.capture().pooling() == Pooling.SPATIAL_MEAN;
        int steps = settings.capture().steps().size();
        int[] shape = pooled ? new int[] {steps, channels} : new int[] {steps, channels, height, width};
        List<ItemResult> out = new ArrayList<>();
        for (WorkItem w : batch) {
            float[] h = item(w.prompt(), w.seed(), settings, pooled, false);
            float[] u = settings.capture().branch() == Branch.BOTH ? item(w.prompt(), w.seed(), settings, pooled, true) : null;
            byte[] png = settings.images() ? png(w.prompt(), w.seed()) : null;
            out.add(new ItemResult(shape, h, u, png));
        }
        return out;
    }

    /** A tiny real PNG whose colour depends on prompt and seed. */
    static byte[] png(String prompt, long seed) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
        int rgb = (prompt.hashCode() * 31 + (int) seed) & 0xffffff;
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.setRGB(x, y, (x + y) % 2 == 0 ? rgb : 0xffffff);
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, "png", out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The unpooled vector of one step, for tests that want the truth. */
    public float[] vector(String prompt, long seed, int step) {
        int d = channels * height * width;
        double[] v = new double[d];
        List<String> words = List.of(prompt.toLowerCase().split("[^a-z0-9]+"));
        for (String word : words) {
            if (!word.isEmpty()) {
                add(v, direction("w:" + word), 1.0);
            }
        }
        for (Map.Entry<String, Planted> p : planted.entrySet()) {
            if (words.contains(p.getKey()) && p.getValue().values().stream().noneMatch(words::contains)) {
                SplittableRandom r = new SplittableRandom(seed * 7919 + p.getKey().hashCode());
                double u = r.nextDouble();
                double[] probs = p.getValue().probs();
                int pick = 0;
                while (pick < probs.length - 1 && u >= probs[pick]) {
                    u -= probs[pick];
                    pick++;
                }
                add(v, direction("w:" + p.getValue().values().get(pick)), 1.0);
            }
        }
        add(v, direction("seed:" + seed), 0.5);
        add(v, direction("item:" + prompt + "|" + seed + "|" + step), noise);
        float[] out = new float[d];
        double scale = 1.0 + 0.1 * step;
        for (int i = 0; i < d; i++) {
            out[i] = (float) (v[i] * scale);
        }
        return out;
    }

    private float[] item(String prompt, long seed, AtlasSettings settings, boolean pooled, boolean uncond) {
        int steps = settings.capture().steps().size();
        int per = pooled ? channels : channels * height * width;
        float[] out = new float[steps * per];
        for (int t = 0; t < steps; t++) {
            float[] v = vector(uncond ? settings.sampler().negativePrompt() : prompt, seed, settings.capture().steps().get(t));
            for (int c = 0; c < channels; c++) {
                if (pooled) {
                    double s = 0;
                    for (int i = 0; i < height * width; i++) {
                        s += v[c * height * width + i];
                    }
                    out[t * per + c] = (float) (s / (height * width));
                } else {
                    System.arraycopy(v, c * height * width, out, t * per + c * height * width, height * width);
                }
            }
        }
        return out;
    }

    private double[] direction(String key) {
        SplittableRandom r = new SplittableRandom(key.hashCode() * 0x9E3779B97F4A7C15L);
        double[] d = new double[channels * height * width];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    private static void add(double[] v, double[] d, double w) {
        for (int i = 0; i < v.length; i++) {
            v[i] += w * d[i];
        }
    }
}
