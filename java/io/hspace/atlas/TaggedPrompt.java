package io.hspace.atlas;

import java.util.List;

/**
 * A row of the prompt table: a distinct prompt text and every place it came from.
 *
 * @param text the prompt
 * @param tags one per prompt set / template / analysis that produced this text
 */
public record TaggedPrompt(String text, List<PromptTag> tags) {
    public TaggedPrompt {
        tags = List.copyOf(tags);
    }
}
