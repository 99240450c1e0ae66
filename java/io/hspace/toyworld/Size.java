package io.hspace.toyworld;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The size class of the object in a Toy World image. */
public enum Size {
    SMALL,
    LARGE;

    /** The word this value has in captions and prior files (lower case). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value whose caption word is {@code word}.
     *
     * @throws IllegalArgumentException naming the valid words when {@code word} is none of them
     */
    public static Size lookup(String word) {
        for (Size v : values()) {
            if (v.word().equals(word)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown size '" + word + "'; valid: "
                + Arrays.stream(values()).map(Size::word).collect(Collectors.joining(", ")));
    }
}
