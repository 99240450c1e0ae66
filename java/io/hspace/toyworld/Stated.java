package io.hspace.toyworld;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a caption states: each attribute is either a value or {@code null} when the caption
 * leaves it out (for the shape: when the caption says "shape").
 */
public record Stated(Shape shape, Color color, Size size, Background background) {

    /** Nothing stated. */
    public static final Stated NOTHING = new Stated(null, null, null, null);

    /** The value of attribute {@code a}, or {@code null} when it is left out. */
    public Enum<?> get(Attribute a) {
        return switch (a) {
            case SHAPE -> shape;
            case COLOR -> color;
            case SIZE -> size;
            case BACKGROUND -> background;
        };
    }

    /** A copy with attribute {@code a} set to {@code value} ({@code null} leaves it out). */
    public Stated with(Attribute a, Enum<?> value) {
        return new Stated(
                a == Attribute.SHAPE ? (Shape) value : shape,
                a == Attribute.COLOR ? (Color) value : color,
                a == Attribute.SIZE ? (Size) value : size,
                a == Attribute.BACKGROUND ? (Background) value : background);
    }

    /** The attributes this caption leaves out. */
    public Set<Attribute> leftOut() {
        EnumSet<Attribute> out = EnumSet.noneOf(Attribute.class);
        for (Attribute a : Attribute.values()) {
            if (get(a) == null) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * The complete tuple.
     *
     * @throws IllegalStateException naming the left-out attributes when any is missing
     */
    public Attributes complete() {
        if (!leftOut().isEmpty()) {
            throw new IllegalStateException("attributes left out: " + leftOut());
        }
        return new Attributes(shape, color, size, background);
    }
}
