package io.hspace.atlas;

/**
 * Identifies one stored item.
 *
 * @param promptId row in the prompt table
 * @param seed the noise seed
 */
public record ItemKey(int promptId, long seed) {}
