package io.hspace.engine;

/**
 * What {@link Engine#condition} returns.
 *
 * @param h [images, C, H', W'] (or [images, C] pooled), the conditional branch's mid-block output
 * @param timestep the scheduler timestep h was read at (that of step k)
 */
public record ConditionResult(FloatTensor h, float timestep) {}
