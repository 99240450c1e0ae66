package io.hspace.toyworld;

import java.util.Objects;

/** A complete Toy World attribute tuple: what one image shows. */
public record Attributes(Shape shape, Color color, Size size, Background background) {

    /** Rejects missing values: every image has all four attributes. */
    public Attributes {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(color, "color");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(background, "background");
    }

    /** The value of attribute {@code a}. */
    public Enum<?> get(Attribute a) {
        return switch (a) {
            case SHAPE -> shape;
            case COLOR -> color;
            case SIZE -> size;
            case BACKGROUND -> background;
        };
    }

    /** All four attributes stated. */
    public Stated stated() {
        return new Stated(shape, color, size, background);
    }
}
