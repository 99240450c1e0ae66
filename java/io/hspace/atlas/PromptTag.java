package io.hspace.atlas;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a prompt came from.
 *
 * @param source the prompt set (or analysis) that produced it
 * @param template the template text, or the prompt itself for a literal prompt
 * @param slots slot name to value, in template order (empty for a literal prompt)
 */
public record PromptTag(String source, String template, Map<String, String> slots) {
    public PromptTag {
        slots = Collections.unmodifiableMap(new LinkedHashMap<>(slots));
    }
}
