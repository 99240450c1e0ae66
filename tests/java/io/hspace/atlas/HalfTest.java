package io.hspace.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HalfTest {
    @Test
    void everyHalfRoundTripsExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Half.toFloat((short) bits);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(bits, Half.fromFloat(f) & 0xffff, "half bits " + Integer.toHexString(bits));
        }
    }

    @Test
    void knownValues() {
        assertEquals(0x3c00, Half.fromFloat(1f) & 0xffff);
        assertEquals(0xc000, Half.fromFloat(-2f) & 0xffff);
        assertEquals(0x7bff, Half.fromFloat(65504f) & 0xffff);
        assertEquals(0x7c00, Half.fromFloat(65520f) & 0xffff, "rounds up to infinity");
        assertEquals(0x0001, Half.fromFloat(0x1p-24f) & 0xffff, "smallest subnormal");
        assertEquals(0x0000, Half.fromFloat(0x1p-26f) & 0xffff, "underflows to zero");
        assertEquals(0x3555, Half.fromFloat(1f / 3f) & 0xffff);
    }

    @Test
    void roundsHalfToEvenBetweenNeighbours() {
        // every midpoint between adjacent normal halves rounds to the one with an even mantissa
        for (int bits = 0x0400; bits < 0x7bff; bits += 37) {
            float lo = Half.toFloat((short) bits);
            float hi = Half.toFloat((short) (bits + 1));
            float mid = (lo + hi) / 2f;
            int expected = (bits & 1) == 0 ? bits : bits + 1;
            assertEquals(expected, Half.fromFloat(mid) & 0xffff, "midpoint above " + Integer.toHexString(bits));
            assertEquals(bits, Half.fromFloat(Math.nextDown(mid)) & 0xffff);
            assertEquals(bits + 1, Half.fromFloat(Math.nextUp(mid)) & 0xffff);
        }
    }
}
