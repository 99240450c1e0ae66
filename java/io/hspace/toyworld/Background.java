package io.hspace.toyworld;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The plain background color of a Toy World image. */
public enum Background {
    WHITE,
    BLACK,
    GRAY;

    /** The word this value has in captions and prior files (lower case). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value whose caption word is {@code word}.
     *
     * @throws IllegalArgumentException naming the valid words when {@code word} is none of them
     */
    public static Background lookup(String word) {
        for (Background v : values()) {
            if (v.word().equals(word)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown background '" + word + "'; valid: "
                + Arrays.stream(values()).map(Background::word).collect(Collectors.joining(", ")));
    }
}
