package io.hspace.toyworld;

import java.util.Set;

/**
 * One training example's text side: the caption, the attributes the image truly has, and
 * which of them the caption leaves out (those were drawn from the prior table).
 */
public record LabeledCaption(String caption, Attributes truth, Set<Attribute> leftOut) {

    /** Copies {@code leftOut} so the record stays immutable. */
    public LabeledCaption {
        leftOut = Set.copyOf(leftOut);
    }
}
