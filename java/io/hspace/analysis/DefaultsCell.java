package io.hspace.analysis;

import java.util.List;

/**
 * One cell of the defaults analysis: a neutral prompt and the variants of one attribute family.
 *
 * @param name the defaults entry this cell came from
 * @param neutral the neutral prompt n ("a doctor")
 * @param family the attribute family ("gender")
 * @param labels the attribute values a_i ("male", "female")
 * @param variants the prompts n+a_i, parallel to labels ("a male doctor", "a female doctor")
 */
public record DefaultsCell(String name, String neutral, String family, List<String> labels, List<String> variants) {
    public DefaultsCell {
        labels = List.copyOf(labels);
        variants = List.copyOf(variants);
        if (labels.size() != variants.size() || labels.size() < 2) {
            throw new IllegalArgumentException("defaults cell '" + neutral + "' / " + family
                    + " needs at least two variants with one label each, got " + labels + " / " + variants);
        }
    }
}
