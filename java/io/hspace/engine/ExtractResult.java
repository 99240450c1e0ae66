package io.hspace.engine;

/**
 * What {@link Engine#extract} returns.
 *
 * @param h [prompts, seeds, captured steps, C, H, W] (or [.., C] pooled), conditional branch;
 *     null when only the unconditional branch was asked for
 * @param hUncond the unconditional branch likewise, or null
 * @param timesteps the scheduler timestep of each captured step
 * @param images [prompts, seeds, 3, height, width] in [0, 1], or null
 */
public record ExtractResult(FloatTensor h, FloatTensor hUncond, float[] timesteps, FloatTensor images) {}
