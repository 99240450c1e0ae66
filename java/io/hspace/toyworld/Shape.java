package io.hspace.toyworld;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The shape of the one object in a Toy World image. */
public enum Shape {
    CIRCLE,
    SQUARE,
    TRIANGLE,
    STAR,
    CROSS,
    RING;

    /** The word this value has in captions and prior files (lower case). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value whose caption word is {@code word}.
     *
     * @throws IllegalArgumentException naming the valid words when {@code word} is none of them
     */
    public static Shape lookup(String word) {
        for (Shape v : values()) {
            if (v.word().equals(word)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown shape '" + word + "'; valid: "
                + Arrays.stream(values()).map(Shape::word).collect(Collectors.joining(", ")));
    }
}
