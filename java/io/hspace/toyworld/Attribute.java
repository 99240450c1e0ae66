package io.hspace.toyworld;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The four attributes of a Toy World image. The declaration order is the order in which a
 * caption's attributes are drawn (DESIGN.md, "Toy World"): shape, color, size, background.
 */
public enum Attribute {
    SHAPE(Shape.values()),
    COLOR(Color.values()),
    SIZE(Size.values()),
    BACKGROUND(Background.values());

    private final List<Enum<?>> domain;

    Attribute(Enum<?>[] values) {
        this.domain = List.of(values);
    }

    /** All values this attribute can take, in declaration order. */
    public List<Enum<?>> domain() {
        return domain;
    }

    /** The attribute's name as written in prior files (lower case). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value of this attribute whose caption word is {@code word}.
     *
     * @throws IllegalArgumentException naming the valid words when {@code word} is none of them
     */
    public Enum<?> lookupValue(String word) {
        return switch (this) {
            case SHAPE -> Shape.lookup(word);
            case COLOR -> Color.lookup(word);
            case SIZE -> Size.lookup(word);
            case BACKGROUND -> Background.lookup(word);
        };
    }

    /** The caption word of one value of any attribute. */
    public static String wordOf(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The attribute named {@code word}.
     *
     * @throws IllegalArgumentException naming the valid names when {@code word} is none of them
     */
    public static Attribute lookup(String word) {
        for (Attribute a : values()) {
            if (a.word().equals(word)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown attribute '" + word + "'; valid: "
                + Arrays.stream(values()).map(Attribute::word).collect(Collectors.joining(", ")));
    }
}
