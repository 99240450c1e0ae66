package io.hspace.toyworld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Captions follow DESIGN.md's grammar and parse back to what they state. */
class CaptionGrammarTest {

    private static final Attributes TRUTH = new Attributes(Shape.TRIANGLE, Color.ORANGE, Size.SMALL, Background.GRAY);

    @Test
    void fullCaptionFollowsTheTemplate() {
        assertEquals("a small orange triangle on a gray background", CaptionGrammar.caption(TRUTH, Set.of()));
    }

    @Test
    void leftOutAttributesAreDroppedAndTheShapeBecomesShape() {
        assertEquals("a orange triangle", CaptionGrammar.caption(TRUTH, EnumSet.of(Attribute.SIZE, Attribute.BACKGROUND)));
        assertEquals("a small shape on a gray background", CaptionGrammar.caption(TRUTH, EnumSet.of(Attribute.SHAPE, Attribute.COLOR)));
        assertEquals("a shape", CaptionGrammar.caption(TRUTH, EnumSet.allOf(Attribute.class)));
    }

    @Test
    void everyLeftOutCombinationRoundTrips() {
        for (int mask = 0; mask < 16; mask++) {
            EnumSet<Attribute> left = EnumSet.noneOf(Attribute.class);
            for (Attribute a : Attribute.values()) {
                if ((mask & (1 << a.ordinal())) != 0) {
                    left.add(a);
                }
            }
            Stated parsed = CaptionGrammar.parse(CaptionGrammar.caption(TRUTH, left));
            assertEquals(left, parsed.leftOut());
            for (Attribute a : Attribute.values()) {
                assertEquals(left.contains(a) ? null : TRUTH.get(a), parsed.get(a));
            }
        }
    }

    @Test
    void unknownShapeWordIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CaptionGrammar.parse("a red hexagon"));
        assertTrue(e.getMessage().contains("hexagon") && e.getMessage().contains("circle, square"), e.getMessage());
    }

    @Test
    void missingArticleIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> CaptionGrammar.parse("red circle"));
    }

    @Test
    void malformedBackgroundClauseIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CaptionGrammar.parse("a red circle on white"));
        assertTrue(e.getMessage().contains("on a {background} background"), e.getMessage());
    }

    @Test
    void unknownBackgroundIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CaptionGrammar.parse("a red circle on a pink background"));
        assertTrue(e.getMessage().contains("unknown background 'pink'") && e.getMessage().contains("white, black, gray"),
                e.getMessage());
    }

    @Test
    void enumLookupListsValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Size.lookup("medium"));
        assertEquals("unknown size 'medium'; valid: small, large", e.getMessage());
    }
}
