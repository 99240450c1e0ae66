package io.hspace.atlas;

/**
 * One unit of extraction: a prompt drawn with one seed.
 *
 * @param promptId the prompt's row in the atlas prompt table
 * @param prompt the prompt text
 * @param tokenIds the prompt's CLIP token ids (as the tokenizer gives them, padded or not)
 * @param seed the seed of the initial noise
 */
public record WorkItem(int promptId, String prompt, int[] tokenIds, long seed) {}
