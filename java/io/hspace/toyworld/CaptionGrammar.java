package io.hspace.toyworld;

import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The Toy World caption grammar (DESIGN.md, "Toy World"):
 * {@code a {size} {color} {shape} on a {background} background}, where size, color and
 * background may each be left out and the shape word may be replaced by {@code shape}.
 */
public final class CaptionGrammar {

    /** Probability that a caption leaves out the size, the color, and the background (each). */
    public static final double LEAVE_OUT = 0.5;
    /** Probability that a caption replaces the shape word by {@code shape}. */
    public static final double SHAPE_HIDDEN = 0.2;
    /** The word standing for a left-out shape. */
    public static final String SHAPE_WORD = "shape";

    private CaptionGrammar() {}

    /** Draws which attributes one caption leaves out, with the grammar's probabilities. */
    public static Set<Attribute> drawLeftOut(SplittableRandom rng) {
        EnumSet<Attribute> out = EnumSet.noneOf(Attribute.class);
        if (rng.nextDouble() < SHAPE_HIDDEN) {
            out.add(Attribute.SHAPE);
        }
        for (Attribute a : new Attribute[] {Attribute.COLOR, Attribute.SIZE, Attribute.BACKGROUND}) {
            if (rng.nextDouble() < LEAVE_OUT) {
                out.add(a);
            }
        }
        return out;
    }

    /** The caption of {@code truth} leaving out the attributes in {@code leftOut}. */
    public static String caption(Attributes truth, Set<Attribute> leftOut) {
        Stated s = truth.stated();
        for (Attribute a : leftOut) {
            s = s.with(a, null);
        }
        return caption(s);
    }

    /** The caption stating exactly what {@code stated} states. */
    public static String caption(Stated stated) {
        StringBuilder b = new StringBuilder("a");
        if (stated.size() != null) {
            b.append(' ').append(stated.size().word());
        }
        if (stated.color() != null) {
            b.append(' ').append(stated.color().word());
        }
        b.append(' ').append(stated.shape() != null ? stated.shape().word() : SHAPE_WORD);
        if (stated.background() != null) {
            b.append(" on a ").append(stated.background().word()).append(" background");
        }
        return b.toString();
    }

    /**
     * Parses a caption of this grammar back into what it states.
     *
     * @throws IllegalArgumentException naming the caption and the offending word when it does
     *     not follow the grammar
     */
    public static Stated parse(String caption) {
        String[] w = caption.trim().split("\\s+");
        int i = 0;
        if (w.length == 0 || !w[i].equals("a")) {
            throw bad(caption, "must start with 'a'");
        }
        i++;
        Stated s = Stated.NOTHING;
        if (i < w.length && isWord(Attribute.SIZE, w[i])) {
            s = s.with(Attribute.SIZE, Size.lookup(w[i++]));
        }
        if (i < w.length && isWord(Attribute.COLOR, w[i])) {
            s = s.with(Attribute.COLOR, Color.lookup(w[i++]));
        }
        if (i >= w.length) {
            throw bad(caption, "missing the shape word");
        }
        if (!w[i].equals(SHAPE_WORD)) {
            try {
                s = s.with(Attribute.SHAPE, Shape.lookup(w[i]));
            } catch (IllegalArgumentException e) {
                throw bad(caption, e.getMessage() + ", or '" + SHAPE_WORD + "'");
            }
        }
        i++;
        if (i == w.length) {
            return s;
        }
        if (w.length - i != 4 || !w[i].equals("on") || !w[i + 1].equals("a")
                || !w[i + 3].equals("background")) {
            throw bad(caption, "expected 'on a {background} background' after the shape");
        }
        try {
            return s.with(Attribute.BACKGROUND, Background.lookup(w[i + 2]));
        } catch (IllegalArgumentException e) {
            throw bad(caption, e.getMessage());
        }
    }

    private static boolean isWord(Attribute a, String word) {
        return a.domain().stream().anyMatch(v -> Attribute.wordOf(v).equals(word));
    }

    private static IllegalArgumentException bad(String caption, String why) {
        return new IllegalArgumentException("caption '" + caption + "': " + why);
    }
}
