package io.hspace.atlas;

import io.hspace.engine.Scheduler;
/**
 * How each image is sampled. Two atlases with different samplers hold incomparable h.
 *
 * @param scheduler the scheduler
 * @param steps number of denoising steps (at least 1)
 * @param guidance classifier-free guidance scale (finite, at least 0; LCM reads it as its guidance embedding)
 * @param width image width in pixels
 * @param height image height in pixels
 * @param negativePrompt the unconditional branch's prompt ("" for none)
 */
public record Sampler(Scheduler scheduler, int steps, double guidance, int width, int height, String negativePrompt) {
    public Sampler {
        if (scheduler == null) {
            throw new IllegalArgumentException("sampler.scheduler is missing");
        }
        if (steps < 1) {
            throw new IllegalArgumentException("sampler.steps must be at least 1, got " + steps);
        }
        if (!Double.isFinite(guidance) || guidance < 0) {
            throw new IllegalArgumentException("sampler.guidance must be finite and >= 0, got " + guidance);
        }
        if (width < 8 || height < 8 || width % 8 != 0 || height % 8 != 0) {
            throw new IllegalArgumentException("sampler.size must be a multiple of 8 on both sides, got " + width + "x" + height);
        }
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
    }

    /** The size as written in study files: {@code WIDTHxHEIGHT}. */
    public String size() {
        return width + "x" + height;
    }
}
