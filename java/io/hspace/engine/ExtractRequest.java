package io.hspace.engine;

import java.util.Objects;

/**
 * One extraction job for {@link Engine#extract}: every prompt with every seed.
 *
 * @param promptIds token ids per prompt from the model's tokenizer, padded to one length
 * @param promptIds2 the same prompts from tokenizer_2 (SDXL), or null
 * @param negativeIds the negative prompt's ids (same length), or null for the empty prompt
 *     zeroed as SDXL does
 * @param negativeIds2 tokenizer_2's negative ids (SDXL), or null
 * @param negativeIsEmpty whether the negative prompt is ""
 * @param seeds one image per (prompt, seed); noise as torch.Generator("cpu").manual_seed(seed)
 * @param itemPrompts null for the full prompts x seeds grid; else item i is (prompt row
 *     itemPrompts[i], seed itemSeeds[i]) and results are [items, ...]
 * @param itemSeeds the seed of each item, with itemPrompts
 * @param steps denoising steps
 * @param guidance classifier-free guidance scale (> 1 enables CFG; LCM: the embedding's w + 1)
 * @param width image width in pixels, 0 for the model's default
 * @param height image height in pixels, 0 for the model's default
 * @param scheduler the scheduler
 * @param captureSteps 0-based step indices at which h is recorded, ascending
 * @param branch which CFG branch h comes from
 * @param pooling how h is reduced
 * @param images whether to run every step and decode images
 * @param batchSize items per U-Net batch, 0 for all at once
 * @param steering alpha * d added to h at chosen steps (needs images), or null for none
 */
public record ExtractRequest(int[][] promptIds, int[][] promptIds2, int[] negativeIds, int[] negativeIds2,
        boolean negativeIsEmpty, long[] seeds, int[] itemPrompts, long[] itemSeeds, int steps, float guidance, int width, int height, Scheduler scheduler,
        int[] captureSteps, Branch branch, Pooling pooling, boolean images, int batchSize, Steering steering) {
    /** A request without steering. */
    public ExtractRequest(int[][] promptIds, int[][] promptIds2, int[] negativeIds, int[] negativeIds2,
            boolean negativeIsEmpty, long[] seeds, int[] itemPrompts, long[] itemSeeds, int steps, float guidance, int width,
            int height, Scheduler scheduler, int[] captureSteps, Branch branch, Pooling pooling, boolean images, int batchSize) {
        this(promptIds, promptIds2, negativeIds, negativeIds2, negativeIsEmpty, seeds, itemPrompts, itemSeeds, steps, guidance,
                width, height, scheduler, captureSteps, branch, pooling, images, batchSize, null);
    }

    /** This request with {@code value} as its steering (null: none); validated as a new request. */
    public ExtractRequest withSteering(Steering value) {
        return new ExtractRequest(promptIds, promptIds2, negativeIds, negativeIds2, negativeIsEmpty, seeds, itemPrompts,
                itemSeeds, steps, guidance, width, height, scheduler, captureSteps, branch, pooling, images, batchSize, value);
    }

    /** The number of items: prompts x seeds, or the explicit items. */
    public int itemCount() {
        return itemPrompts != null ? itemPrompts.length : promptIds.length * seeds.length;
    }

    public ExtractRequest {
        Objects.requireNonNull(promptIds, "promptIds");
        if ((itemPrompts == null) != (itemSeeds == null)
                || (itemPrompts != null && itemPrompts.length != itemSeeds.length)) {
            throw new IllegalArgumentException("itemPrompts and itemSeeds go together, one seed per item");
        }
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(captureSteps, "captureSteps");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(pooling, "pooling");
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("no prompts to extract");
        }
        if (itemPrompts == null && (seeds == null || seeds.length == 0)) {
            throw new IllegalArgumentException("no seeds given");
        }
        if (Float.isNaN(guidance) || Float.isInfinite(guidance) || guidance < 0) {
            throw new IllegalArgumentException("guidance must be a finite number >= 0, got " + guidance);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (steering != null) {
            if (!images) {
                throw new IllegalArgumentException("steering needs images: the steered h must reach the up path");
            }
            int items = itemPrompts != null ? itemPrompts.length : promptIds.length * seeds.length;
            if (steering.alphas().length != items) {
                throw new IllegalArgumentException("steering has " + steering.alphas().length + " alphas for " + items
                        + " items (one alpha per item)");
            }
            for (int s : steering.steps()) {
                if (s >= steps) {
                    throw new IllegalArgumentException("steering step " + s + " is outside the " + steps + " steps (0-based)");
                }
            }
        }
    }
}
