package io.hspace.analysis;

import java.util.List;

/**
 * The descriptors analysis of a list of concepts.
 *
 * @param name the entry's name
 * @param concepts concept prompts c ("a photo of a doctor")
 * @param descriptors descriptor prompts d_j ("a photo of an intelligent person")
 * @param base the prompt whose H is the origin mu, or null for the mean over concepts and descriptors
 */
public record DescriptorSet(String name, List<String> concepts, List<String> descriptors, String base) {
    public DescriptorSet {
        concepts = List.copyOf(concepts);
        descriptors = List.copyOf(descriptors);
        if (concepts.isEmpty() || descriptors.isEmpty()) {
            throw new IllegalArgumentException("descriptors entry '" + name + "' needs at least one concept and one descriptor");
        }
    }
}
