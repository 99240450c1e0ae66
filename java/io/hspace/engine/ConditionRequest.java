package io.hspace.engine;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One image-conditioning job for {@link Engine#condition}: h of external images at step
 * {@code step} of a {@code steps}-step schedule, read with the prompt's conditioning.
 *
 * @param images [N, 3, height, width] RGB in [0, 1] ({@link #pixels} makes it from images);
 *     height and width must be multiples of the model's VAE factor (8 for SD)
 * @param promptIds the prompt's token ids, padded (tokenize "" for no prompt)
 * @param promptIds2 the same from tokenizer_2 (SDXL), or null
 * @param scheduler the schedule (noise mode); invert mode takes {@link Scheduler#MODEL} or DDIM
 * @param steps the schedule's number of steps
 * @param step the 0-based step whose timestep h is read at
 * @param mode add noise (seeded) or DDIM-invert
 * @param seeds one seed per image (noise mode; noise as torch.Generator("cpu").manual_seed)
 * @param pooling how h is reduced
 * @param batchSize images per batch, 0 for all at once
 */
public record ConditionRequest(FloatTensor images, int[] promptIds, int[] promptIds2, Scheduler scheduler, int steps,
        int step, ConditionMode mode, long[] seeds, Pooling pooling, int batchSize) {
    public ConditionRequest {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(promptIds, "promptIds (tokenize \"\" for no prompt)");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(pooling, "pooling");
        if (images.shape().length != 4 || images.dim(1) != 3) {
            throw new IllegalArgumentException("images must be [N, 3, height, width], got " + Arrays.toString(images.shape()));
        }
        if (images.dim(0) == 0) {
            throw new IllegalArgumentException("no images to condition on");
        }
        float[] data = images.data();
        for (int i = 0; i < data.length; i++) {
            if (!(data[i] >= 0f && data[i] <= 1f)) {
                throw new IllegalArgumentException("images value " + i + " (image " + i / (data.length / images.dim(0))
                        + ") is " + data[i] + ", outside [0, 1]");
            }
        }
        if (promptIds2 != null && promptIds2.length != promptIds.length) {
            throw new IllegalArgumentException("promptIds2 has " + promptIds2.length + " ids, promptIds " + promptIds.length);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (step < 0 || step >= steps) {
            throw new IllegalArgumentException("step " + step + " is outside the " + steps + " steps (0-based)");
        }
        if (mode == ConditionMode.NOISE && (seeds == null || seeds.length != images.dim(0))) {
            throw new IllegalArgumentException("noise mode needs one seed per image: " + images.dim(0) + " images, "
                    + (seeds == null ? "no" : String.valueOf(seeds.length)) + " seeds");
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("batchSize must be >= 0, got " + batchSize);
        }
    }

    /** A builder with the defaults: the model's scheduler, 25 steps, step 0, noise mode, no pooling, one batch. */
    public static Builder builder(FloatTensor images, int[] promptIds) {
        return new Builder(images, promptIds);
    }

    /**
     * Images resized (bilinear) to width x height and laid out as [N, 3, height, width] RGB in [0, 1].
     */
    public static FloatTensor pixels(List<BufferedImage> images, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        int plane = width * height;
        float[] data = new float[images.size() * 3 * plane];
        for (int n = 0; n < images.size(); n++) {
            BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(images.get(n), 0, 0, width, height, null);
            g.dispose();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int rgb = scaled.getRGB(x, y);
                    int base = n * 3 * plane + y * width + x;
                    data[base] = ((rgb >> 16) & 0xff) / 255f;
                    data[base + plane] = ((rgb >> 8) & 0xff) / 255f;
                    data[base + 2 * plane] = (rgb & 0xff) / 255f;
                }
            }
        }
        return new FloatTensor(new long[] {images.size(), 3, height, width}, data);
    }

    /** Builds a {@link ConditionRequest}; {@link #build} validates. */
    public static final class Builder {
        private final FloatTensor images;
        private final int[] promptIds;
        private int[] promptIds2;
        private Scheduler scheduler = Scheduler.MODEL;
        private int steps = 25;
        private int step;
        private ConditionMode mode = ConditionMode.NOISE;
        private long[] seeds;
        private Pooling pooling = Pooling.NONE;
        private int batchSize;

        private Builder(FloatTensor images, int[] promptIds) {
            this.images = images;
            this.promptIds = promptIds;
        }

        /** tokenizer_2's ids of the prompt (SDXL). */
        public Builder promptIds2(int[] ids) {
            this.promptIds2 = ids;
            return this;
        }

        public Builder scheduler(Scheduler value) {
            this.scheduler = value;
            return this;
        }

        /** The schedule's length and the 0-based step h is read at. */
        public Builder steps(int count, int at) {
            this.steps = count;
            this.step = at;
            return this;
        }

        public Builder mode(ConditionMode value) {
            this.mode = value;
            return this;
        }

        /** One seed per image (noise mode). */
        public Builder seeds(long... values) {
            this.seeds = values;
            return this;
        }

        public Builder pooling(Pooling value) {
            this.pooling = value;
            return this;
        }

        public Builder batchSize(int value) {
            this.batchSize = value;
            return this;
        }

        public ConditionRequest build() {
            return new ConditionRequest(images, promptIds, promptIds2, scheduler, steps, step, mode, seeds, pooling, batchSize);
        }
    }
}
